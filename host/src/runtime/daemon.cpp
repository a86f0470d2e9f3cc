// `aotfd run` (the host) and `aotfd __container` (a container process started by the host).

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <boost/dll/runtime_symbol_info.hpp>
#include <editline/readline.h>

#include "aotf/log.hpp"
#include "commands/commands.hpp"
#include "console/console.hpp"
#include "console/control_socket.hpp"
#include "plugins/connector_set.hpp"
#include "runtime/host_log.hpp"
#include "runtime/launchers.hpp"
#include "runtime/plan.hpp"
#include "runtime/settings.hpp"
#include "runtime/stacks.hpp"
#include "runtime/supervisor.hpp"
#include "runtime/systemd_notify.hpp"

namespace aotf::host {

namespace {

sigset_t daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

// Blocks the daemon's signals in this thread and in every thread started afterwards; they are
// taken synchronously with sigtimedwait by the main thread.
void take_signals_synchronously() {
  const sigset_t set = daemon_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

// Waits up to `timeout` for one of the daemon's signals; 0 when none came.
int wait_signal(std::chrono::milliseconds timeout) {
  const sigset_t set = daemon_signals();
  timespec ts{static_cast<time_t>(timeout.count() / 1000), static_cast<long>(timeout.count() % 1000) * 1'000'000};
  const int sig = ::sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "a signal";
  }
}

// SIGHUP or `reload`: re-reads the file; applies what can change live (log_level) and names the
// rest, which needs a restart. A file with errors changes nothing.
std::string reload(const Options& options, DaemonConfig& config, const PluginSet& plugins) {
  DaemonConfig fresh;
  std::vector<ConfigIssue> issues;
  if (load_host_config(options.config_path, fresh, issues)) validate_plugin_tables(fresh, plugins, issues);
  if (!issues.empty()) {
    std::string out = "reload: the configuration has errors, nothing changed:\n";
    for (const auto& i : issues) out += "  " + i.str() + "\n";
    log_error("host", out);
    return out;
  }
  std::vector<std::string> restart;
  std::string applied;
  for (const auto& [key, value] : fresh.host_values.values()) {
    if (!config.host_values.has(key) || to_toml(config.host_values.values().at(key)) == to_toml(value)) continue;
    if (key == "log_level") {
      set_log_level(fresh.log_level);
      applied += " log_level = " + to_toml(value);
    } else {
      restart.push_back(key);
    }
  }
  for (const auto& [plugin, view] : fresh.plugin_configs) {
    auto old = config.plugin_configs.find(plugin);
    if (old == config.plugin_configs.end()) continue;
    for (const auto& [key, value] : view.values()) {
      if (!old->second.has(key) || to_toml(old->second.values().at(key)) != to_toml(value)) {
        restart.push_back("plugins." + plugin + "." + key);
      }
    }
  }
  std::string out = "reload: re-read " + options.config_path.string() + "; log files are reopened on each write";
  out += applied.empty() ? "; nothing to apply live" : ";" + applied + " applied";
  if (!restart.empty()) {
    out += "; these changes need a restart:";
    for (const auto& k : restart) out += " " + k;
  }
  log_info("host", out);
  return out + "\n";
}

std::vector<std::string> container_command(const Options& options, const PluginSet& plugins,
                                           std::uint64_t generation, const ContainerPlan& plan) {
  std::vector<std::string> argv = {boost::dll::program_location().string(), "--config",
                                   std::filesystem::absolute(options.config_path).string(), "__container",
                                   plan.name, "--generation", std::to_string(generation)};
  std::vector<std::string> stems;
  for (const auto& w : plan.workers) {
    argv.push_back("--worker");
    argv.push_back(w.procedure + ":" + std::to_string(w.id));
    const LoadedPlugin* owner = plugins.owner_of_stage(w.procedure);
    const std::string stem = owner->file.stem().string();
    if (std::find(stems.begin(), stems.end(), stem) == stems.end()) stems.push_back(stem);
  }
  // Stages reach the sites and sources through their context: every connector plugin comes too.
  for (const auto& stem : ConnectorSet::connector_plugin_stems(plugins)) {
    if (std::find(stems.begin(), stems.end(), stem) == stems.end()) stems.push_back(stem);
  }
  for (const auto& stem : stems) {
    argv.push_back("--plugin");
    argv.push_back(stem);
  }
  return argv;
}

void run_terminal_console(Console& console, std::atomic<bool>& stop_requested) {
  std::thread([&console, &stop_requested] {
    ::using_history();
    while (!stop_requested) {
      char* raw = ::readline("aotfd> ");
      if (!raw) {  // EOF (Ctrl-D) stops the daemon, as the original's console did
        stop_requested = true;
        break;
      }
      std::string line(raw);
      std::free(raw);
      if (line.find_first_not_of(' ') == std::string::npos) continue;
      ::add_history(line.c_str());
      const std::string answer = console.execute(line);
      std::fwrite(answer.data(), 1, answer.size(), stdout);
      std::fflush(stdout);
    }
  }).detach();
}

}  // namespace

int cmd_run(const Options& options) {
  SystemdNotifier notifier = SystemdNotifier::from_environment();  // before any thread starts
  take_signals_synchronously();
  install_host_log_sink();

  DaemonConfig config;
  PluginSet plugins;
  if (!load_daemon(options, config, plugins, std::cerr)) return kExitUsage;
  std::vector<ConfigIssue> issues;
  const auto plan = plan_workers(*config.file, plugins, issues);
  if (!issues.empty()) {
    sort_issues(issues);
    for (const auto& i : issues) std::cerr << i.str() << "\n";
    return kExitUsage;
  }
  set_log_level(config.log_level);
  const RuntimeSettings settings = runtime_settings(config);
  for (const auto& refused : plugins.refused()) log_warning("host", refused.str());
  std::error_code ec;
  for (const auto& dir : {config.host.data_dir, config.host.log_dir}) {
    if (!std::filesystem::create_directories(dir, ec) && ec) {
      log_error("host", "cannot create " + dir.string() + ": " + ec.message());
      return kExitFailure;
    }
  }

  std::unique_ptr<shm::Segment> segment;
  try {
    segment = shm::Segment::create(config.host.instance, settings.capacities);
  } catch (const std::exception& error) {
    log_error("host", error.what());
    return kExitFailure;
  }
  install_stack_handler();
  SteadyClock clock;
  std::unique_ptr<Supervisor> supervisor;
  if (settings.multiprocessing) {
    const std::uint64_t generation = segment->generation();
    supervisor = std::make_unique<Supervisor>(
        *segment, settings.supervisor, clock,
        [&options, &plugins, generation](const ContainerPlan& p) {
          return container_command(options, plugins, generation, p);
        });
  }

  std::size_t workers = 0;
  for (const auto& c : plan) workers += c.workers.size();
  DaemonNotifications notifications(notifier, *segment, supervisor.get(), workers);

  ConnectorSet connectors(plugins, config);
  std::atomic<bool> stop_requested{false};
  Console console(*segment, plugins, config, supervisor.get(), connectors,
                  {[&] { stop_requested = true; },
                   [&] {
                     notifications.reloading();
                     std::string answer = reload(options, config, plugins);
                     notifications.reloaded();
                     return answer;
                   }});
  std::unique_ptr<ControlSocket> control;
  try {
    control = std::make_unique<ControlSocket>(control_socket_path(config.host.data_dir, config.host.instance),
                                              [&](const std::string& line) { return console.execute(line); });
  } catch (const std::exception& error) {
    log_error("host", error.what());
    return kExitFailure;
  }

  Launcher launcher(*segment, plugins, config, settings, clock, supervisor.get(), connectors);
  try {
    launcher.launch_threads(plan);
  } catch (const std::exception& error) {
    log_error("host", std::string("cannot start the workers: ") + error.what());
    segment->stop();
    if (supervisor) supervisor->stop(settings.stop_timeout);
    launcher.join(settings.stop_timeout);
    return kExitFailure;
  }
  if (supervisor) supervisor->run();
  log_info("host", "aotfd " + config.host.version + " instance '" + config.host.instance + "' running with " +
                       std::to_string(plugins.plugins().size()) + " plugins, " + std::to_string(workers) +
                       " workers in " + std::string(settings.multiprocessing ? "container processes" : "threads") +
                       "; control socket " + control_socket_path(config.host.data_dir, config.host.instance).string() +
                       "; stop with Ctrl-C or SIGTERM");
  if (::isatty(STDIN_FILENO)) run_terminal_console(console, stop_requested);

  for (;;) {
    notifications.tick();
    const int sig = wait_signal(std::chrono::milliseconds(200));
    if (sig == SIGHUP) {
      log_info("host", "SIGHUP received: reloading; the daemon keeps running");
      notifications.reloading();
      reload(options, config, plugins);
      if (supervisor) supervisor->signal_all(SIGHUP);
      notifications.reloaded();
      continue;
    }
    if (sig == SIGINT || sig == SIGTERM) {
      log_info("host", std::string(signal_name(sig)) + " received, stopping");
      break;
    }
    if (stop_requested) {
      log_info("host", "stop requested from the console, stopping");
      break;
    }
  }

  notifications.stopping();
  segment->stop();
  const auto deadline = std::chrono::steady_clock::now() + settings.stop_timeout;
  if (supervisor) supervisor->stop(settings.stop_timeout);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  const auto hung = launcher.join(std::max(left, std::chrono::milliseconds(0)));
  control.reset();
  if (!hung.empty()) {
    std::string names;
    for (const auto& n : hung) names += " " + n;
    log_warning("host", "workers still running after the stop timeout, abandoned:" + names);
    segment.reset();  // removes the segment and releases the instance lock
    log_info("host", "stopped");
    std::_Exit(kExitOk);  // their plugin code is still running: no library may be unloaded
  }
  log_info("host", "stopped");
  return kExitOk;
}

int cmd_container(const Options& options) {
  take_signals_synchronously();
  install_host_log_sink();
  // The host started us: if it dies, we are told with SIGTERM.
  const pid_t host = ::getppid();
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);

  if (options.args.empty()) {
    std::cerr << "aotfd __container: missing container name (this mode is started by aotfd itself)\n";
    return kExitUsage;
  }
  const std::string name = options.args[0];
  std::uint64_t generation = 0;
  std::vector<WorkerPlan> workers;
  std::vector<std::string> stems;
  for (std::size_t i = 1; i + 1 < options.args.size(); i += 2) {
    const std::string& flag = options.args[i];
    const std::string& value = options.args[i + 1];
    if (flag == "--generation") {
      generation = std::stoull(value);
    } else if (flag == "--worker") {
      const auto colon = value.rfind(':');
      workers.push_back({value.substr(0, colon), static_cast<std::uint32_t>(std::stoul(value.substr(colon + 1)))});
    } else if (flag == "--plugin") {
      stems.push_back(value);
    }
  }

  DaemonConfig config;
  std::vector<ConfigIssue> issues;
  if (!load_host_config(options.config_path, config, issues)) {
    for (const auto& i : issues) log_error(name, i.str());
    return kExitUsage;
  }
  set_log_level(config.log_level);
  PluginSet plugins = PluginSet::load_folder(config.plugins_dir, stems);
  for (const auto& refused : plugins.refused()) log_error(name, refused.str());
  issues.clear();
  validate_plugin_tables(config, plugins, issues, /*report_unconfigured=*/false);
  const RuntimeSettings settings = runtime_settings(config);

  std::unique_ptr<shm::Segment> segment;
  try {
    segment = shm::Segment::attach(config.host.instance, generation);
    segment->register_process(::getpid(), name);
  } catch (const std::exception& error) {
    log_error(name, error.what());
    return kExitFailure;
  }
  install_stack_handler();
  SteadyClock clock;
  ConnectorSet connectors(plugins, config);
  Launcher launcher(*segment, plugins, config, settings, clock, nullptr, connectors);
  try {
    launcher.launch_threads({{name, workers}});
  } catch (const std::exception& error) {
    log_error(name, std::string("cannot start the workers: ") + error.what());
    return kExitFailure;
  }

  while (segment->running()) {
    const int sig = wait_signal(std::chrono::milliseconds(100));
    if (sig == SIGINT || sig == SIGTERM) {
      if (::getppid() != host || !segment->running()) break;  // the host is gone, or is stopping us
      log_info(name, std::string(signal_name(sig)) + " received: asking the host to stop the daemon");
      ::kill(host, SIGTERM);
    } else if (sig == SIGHUP) {
      log_info(name, "SIGHUP received: log files are reopened on each write; the container keeps running");
    }
    if (::getppid() != host) {
      log_warning(name, "the host process is gone: stopping");
      break;
    }
    if (segment->take(::getpid(), shm::kWriteStacks)) {
      std::vector<ThreadToDump> own;
      for (const auto& w : segment->workers()) {
        if (w.pid == ::getpid()) own.push_back({segment->worker(w.slot).tid, w.name});
      }
      append_stacks(config.host.log_dir, own);
    }
  }
  const auto hung = launcher.join(settings.stop_timeout);
  segment->set_process_state(::getpid(), shm::ProcessState::Stopped);
  if (!hung.empty()) std::_Exit(kExitOk);
  return kExitOk;
}

}  // namespace aotf::host
