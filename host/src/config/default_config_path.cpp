#include "config/default_config_path.hpp"

#include <cstdlib>
#include <system_error>

namespace aotf::host {

std::filesystem::path installed_config_path(const std::filesystem::path& executable) {
  const std::filesystem::path prefix = executable.parent_path().parent_path();
  // GNUInstallDirs' rule: the prefix /usr keeps its configuration in /etc.
  if (prefix == "/usr") return "/etc/aotfd/aotfd.toml";
  return prefix / "etc" / "aotfd" / "aotfd.toml";
}

std::filesystem::path default_config_path() {
  if (const char* env = std::getenv("AOTFD_CONFIG"); env && *env) return env;
  const std::filesystem::path source_tree = "config/aotfd.toml";
  std::error_code ec;
  if (std::filesystem::exists(source_tree, ec)) return source_tree;
  const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path installed = installed_config_path(executable);
    if (std::filesystem::exists(installed, ec)) return installed;
  }
  return source_tree;
}

}  // namespace aotf::host
