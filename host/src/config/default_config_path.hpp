#pragma once
// Which configuration file aotfd and aotfctl read when no --config is given:
//   1. $AOTFD_CONFIG when it is set and not empty;
//   2. config/aotfd.toml under the working directory when it exists (the source tree);
//   3. the installed file when it exists: <prefix>/etc/aotfd/aotfd.toml for an executable in
//      <prefix>/bin, and /etc/aotfd/aotfd.toml for one in /usr/bin (the Debian package);
//   4. otherwise config/aotfd.toml, so the error names the file that was looked for.

#include <filesystem>

namespace aotf::host {

[[nodiscard]] std::filesystem::path default_config_path();
// The installed file that rule 3 looks for, for an executable at `executable`.
[[nodiscard]] std::filesystem::path installed_config_path(const std::filesystem::path& executable);

}  // namespace aotf::host
