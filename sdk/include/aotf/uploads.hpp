#pragma once
// Images uploaded through POST /search reach step 3 as files: the HTTP plugin writes the body to
// upload_path(host, identifier) (a temporary name renamed into place, folder mode 0700) before
// it launches the direct request keyed by that identifier; step 3 reads the file when the
// request has no image URL and deletes it once the request ended.

#include <filesystem>
#include <string_view>

#include "aotf/host_info.hpp"

namespace aotf {

[[nodiscard]] inline std::filesystem::path uploads_dir(const HostInfo& host) { return host.data_dir / "uploads"; }

// `identifier`: the 32 lower-case hex digits the HTTP plugin generated (never user text).
[[nodiscard]] inline std::filesystem::path upload_path(const HostInfo& host, std::string_view identifier) {
  return uploads_dir(host) / std::filesystem::path(identifier);
}

}  // namespace aotf
