#pragma once
// <log_dir>/warnings.log, as the original's: one "[YYYY-MM-DD HH:MM:SS] message" line per event
// worth an operator's look (many accounts found, a slow Link Finder). Every process of the
// daemon appends to the same file; each line is one write() so lines never interleave.
#include <string_view>

#include <aotf/host_info.hpp>

namespace aotf::user_pipeline {

void write_warning(const HostInfo& host, std::string_view component, std::string_view message);

}  // namespace aotf::user_pipeline
