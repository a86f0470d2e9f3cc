#pragma once
// Where log lines go: stderr. When stderr is the systemd journal ($JOURNAL_STREAM names the
// device and inode of fd 2), each line starts with its syslog priority ("<3>" error, "<4>"
// warning, "<6>" info, "<7>" debug) and carries no timestamp, since the journal adds its own;
// otherwise lines are "[YYYY-MM-DD HH:MM:SS] [pid] level component: message". A terminal that
// went away (EIO, EPIPE) is dropped instead of blocking or crashing the daemon.

#include <string>
#include <string_view>

#include "aotf/log.hpp"

namespace aotf::host {

void install_host_log_sink();
// True once writes to stderr failed and were given up.
[[nodiscard]] bool terminal_gone() noexcept;

// True when $JOURNAL_STREAM ("DEVICE:INODE") names the file open as stderr.
[[nodiscard]] bool stderr_is_journal() noexcept;
// The text written for one message; every line of a multi-line message gets the prefix.
[[nodiscard]] std::string format_log_line(bool journal, LogLevel level, std::string_view component,
                                          std::string_view message);

}  // namespace aotf::host
