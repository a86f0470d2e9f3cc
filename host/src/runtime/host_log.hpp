#pragma once
// Where log lines go: timestamped lines on stderr. A terminal that went away (EIO, EPIPE) is
// dropped instead of blocking or crashing the daemon.

namespace aotf::host {

void install_host_log_sink();
// True once writes to stderr failed and were given up.
[[nodiscard]] bool terminal_gone() noexcept;

}  // namespace aotf::host
