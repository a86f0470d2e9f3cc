// aotfctl: sends one console command to a running aotfd through its control socket.
//   aotfctl [--config FILE | --socket PATH] COMMAND [ARGS...]

#include <iostream>
#include <string>
#include <vector>

#include "config/daemon_config.hpp"
#include "config/default_config_path.hpp"
#include "console/control_socket.hpp"

int main(int argc, char** argv) {
  std::filesystem::path config_path = aotf::host::default_config_path();
  std::filesystem::path socket;
  std::string command;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (command.empty() && (arg == "-h" || arg == "--help")) {
      std::cout << "usage: aotfctl [--config FILE | --socket PATH] COMMAND [ARGS...]\n"
                   "Sends COMMAND to the running aotfd named by the configuration (default: $AOTFD_CONFIG,\n"
                   "else config/aotfd.toml if it exists, else the installed <prefix>/etc/aotfd/aotfd.toml)\n"
                   "and prints its answer. `aotfctl help` lists the commands.\n";
      return 0;
    }
    if (command.empty() && (arg == "-c" || arg == "--config") && i + 1 < argc) {
      config_path = argv[++i];
    } else if (command.empty() && arg == "--socket" && i + 1 < argc) {
      socket = argv[++i];
    } else {
      command += (command.empty() ? "" : " ") + arg;
    }
  }
  if (command.empty()) {
    std::cerr << "aotfctl: no command given; try aotfctl help\n";
    return 2;
  }
  if (socket.empty()) {
    aotf::host::DaemonConfig config;
    std::vector<aotf::host::ConfigIssue> issues;
    if (!aotf::host::load_host_config(config_path, config, issues)) {
      for (const auto& issue : issues) std::cerr << issue.str() << "\n";
      return 2;
    }
    socket = aotf::host::control_socket_path(config.host.data_dir, config.host.instance);
  }
  try {
    const std::string answer = aotf::host::send_control_command(socket, command);
    std::cout << answer;
    return answer.rfind("error:", 0) == 0 ? 1 : 0;
  } catch (const std::exception& error) {
    std::cerr << "aotfctl: " << error.what() << "\n";
    return 2;
  }
}
