#include <csignal>
#include <iostream>

#include "aotf/log.hpp"
#include "commands/commands.hpp"

namespace aotf::host {

int cmd_run(const Options& options) {
  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  DaemonConfig config;
  PluginSet plugins;
  if (!load_daemon(options, config, plugins, std::cerr)) return kExitUsage;
  set_log_level(config.log_level);
  for (const auto& refused : plugins.refused()) log_warning("host", refused.str());
  for (const auto& p : plugins.plugins()) {
    log_info("host", "loaded plugin '" + p->name + "' " + p->version + " from " + p->file.string());
  }
  log_info("host", "aotfd " + config.host.version + " instance '" + config.host.instance + "' running with " +
                       std::to_string(plugins.plugins().size()) + " plugins; stop with Ctrl-C or SIGTERM");

  for (;;) {
    int received = 0;
    if (sigwait(&signals, &received) != 0) continue;
    if (received == SIGHUP) {
      log_info("host", "SIGHUP received: aotfd keeps running");
      continue;
    }
    log_info("host", std::string(received == SIGINT ? "SIGINT" : "SIGTERM") + " received, stopping");
    break;
  }
  log_info("host", "stopped");
  return kExitOk;
}

}  // namespace aotf::host
