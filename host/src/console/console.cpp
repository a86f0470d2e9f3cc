#include "console/console.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "aotf/shm/pipelines.hpp"
#include "runtime/stacks.hpp"

namespace aotf::host {

namespace {

class PluginCommandContext final : public CommandContext {
public:
  PluginCommandContext(const ConfigView& config, const HostInfo& host, shm::Segment& segment, Connectors& connectors)
      : config_(config), host_(host), segment_(segment), connectors_(connectors) {}
  const ConfigView& config() const override { return config_; }
  const HostInfo& host() const override { return host_; }
  shm::Segment* segment() override { return &segment_; }
  Connectors& connectors() override { return connectors_; }

private:
  const ConfigView& config_;
  const HostInfo& host_;
  shm::Segment& segment_;
  Connectors& connectors_;
};

// Resident memory of a process in MB, from /proc/<pid>/statm.
double rss_mb(pid_t pid) {
  std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
  long pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return static_cast<double>(pages_resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

std::string significant(double value, int digits = 5) {
  std::ostringstream out;
  out.precision(digits);
  out << value;
  return out.str();
}

const char* state_text(shm::WorkerState state) {
  switch (state) {
    case shm::WorkerState::BackingOff: return " (backing off after a crash)";
    case shm::WorkerState::WaitingNetwork: return " (waiting for the network)";
    case shm::WorkerState::Stopped: return " (stopped)";
    default: return "";
  }
}

}  // namespace

std::vector<std::string> split_command(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

Console::Console(shm::Segment& segment, const PluginSet& plugins, const DaemonConfig& config, Supervisor* supervisor,
                 Connectors& connectors, ConsoleHooks hooks)
    : segment_(segment), plugins_(plugins), config_(config), supervisor_(supervisor), connectors_(connectors),
      hooks_(std::move(hooks)) {}

std::string Console::help() const {
  std::string out =
      "help                 this list\n"
      "threads              workers grouped by process, memory per process, what each is doing\n"
      "queues               sizes of the request queues\n"
      "metrics              mean durations recorded by the stages\n"
      "stacks               append the stack of every worker of every process to stacktrace.log\n"
      "plugins              loaded plugins and what they register\n"
      "reload               re-read the configuration file (as SIGHUP)\n"
      "stop                 stop the daemon\n";
  for (const auto& plugin : plugins_.plugins()) {
    for (const auto& c : plugin->registry.commands()) {
      std::string usage = c.usage;
      usage.resize(std::max<std::size_t>(usage.size(), 20), ' ');
      out += usage + " " + c.help + "\n";
    }
  }
  return out;
}

std::string Console::threads() {
  auto workers = segment_.workers();
  std::map<pid_t, std::vector<shm::Segment::WorkerInfo>> by_pid;
  for (auto& w : workers) by_pid[w.pid].push_back(std::move(w));
  std::string out;
  double total = 0;
  if (!by_pid.count(::getpid())) by_pid[::getpid()] = {};
  for (auto& [pid, list] : by_pid) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    const double mb = rss_mb(pid);
    total += mb;
    std::string container = pid == ::getpid() ? std::string("aotfd") : (list.empty() ? "" : list.front().container);
    out += "[PID " + std::to_string(pid) + "] " + container + " (" + significant(mb, 4) + " MB)\n";
    bool first = true;
    for (const auto& w : list) {
      out += std::string(first ? "  " : "  ∟ ") + w.name + " : " + (w.doing.empty() ? "IDLE" : w.doing) +
             state_text(w.state) + (w.errors ? " [" + std::to_string(w.errors) + " errors]" : "") + "\n";
      first = false;
    }
  }
  if (supervisor_) {
    for (const auto& c : supervisor_->containers()) {
      if (c.quarantined) {
        out += "container '" + c.name + "' QUARANTINED after too many restarts (last pid " + std::to_string(c.pid) +
               ")\n";
      } else if (!c.alive) {
        out += "container '" + c.name + "' is down, restart pending\n";
      }
    }
  }
  out += "Total memory: " + significant(total, 4) + " MB\n";
  return out;
}

std::string Console::queues() {
  const shm::PipelineCounts c = shm::pipeline_counts(segment_);
  std::string out;
  out += "User requests, step 1 (Link Finder) queue: " + std::to_string(c.user_queue[0]) + "\n";
  out += "User requests, step 2 (index accounts) queue: " + std::to_string(c.user_queue[1]) + "\n";
  out += "User requests, step 3 (reverse search) queue: " + std::to_string(c.user_queue[2]) + "\n";
  out += "Scans, step A (search listing) priority queue: " + std::to_string(c.search_priority) + "\n";
  out += "Scans, step A (search listing) normal queue: " + std::to_string(c.search_normal) + "\n";
  out += "Scans, step B (timeline listing) priority queue: " + std::to_string(c.timeline_priority) + "\n";
  out += "Scans, step B (timeline listing) normal queue: " + std::to_string(c.timeline_normal) + "\n";
  out += "Step C (indexing) queue: " + std::to_string(c.step_c) + "\n";
  out += "Unfinished user requests: " + std::to_string(c.processing_user) + "\n";
  out += "Unfinished scan requests: " + std::to_string(c.processing_scan) + "\n";
  out += "Refused because a table or queue was full: " + std::to_string(c.refusals) + "\n";
  return out;
}

std::string Console::metrics() {
  const auto series = segment_.metrics();
  if (series.empty()) return "no metrics recorded yet\n";
  std::string out;
  for (const auto& m : series) {
    const double mean = m.count ? m.sum_seconds / static_cast<double>(m.count) : 0.0;
    out += m.name + ": " + significant(mean) + " s on average over " + std::to_string(m.count) + " samples\n";
  }
  return out;
}

std::string Console::stacks() {
  std::vector<ThreadToDump> own;
  std::size_t processes = 0;
  for (const auto& w : segment_.workers()) {
    if (w.pid == ::getpid()) {
      own.push_back({segment_.worker(w.slot).tid, w.name});
    }
  }
  const std::size_t written = append_stacks(config_.host.log_dir, own);
  for (const auto& p : segment_.processes()) {
    if (p.state == shm::ProcessState::Running && p.pid != ::getpid()) {
      segment_.post(p.pid, shm::kWriteStacks);
      ++processes;
    }
  }
  return "stacks of " + std::to_string(written) + " workers of the host appended to " +
         (config_.host.log_dir / "stacktrace.log").string() +
         (processes ? "; asked " + std::to_string(processes) + " container processes to append theirs" : "") + "\n";
}

std::string Console::plugins() const {
  std::string out;
  for (const auto& p : plugins_.plugins()) {
    out += p->name + " " + p->version + " (" + p->file.filename().string() + ")\n";
  }
  for (const auto& r : plugins_.refused()) out += r.str() + "\n";
  return out.empty() ? "no plugins loaded\n" : out;
}

std::string Console::execute(const std::string& line) {
  const auto words = split_command(line);
  if (words.empty()) return "";
  const std::string& name = words[0];
  const std::vector<std::string> args(words.begin() + 1, words.end());
  try {
    if (name == "help") return help();
    if (name == "threads") return threads();
    if (name == "queues") return queues();
    if (name == "metrics") return metrics();
    if (name == "stacks") return stacks();
    if (name == "plugins") return plugins();
    if (name == "reload") return hooks_.reload ? hooks_.reload() : "reload is not available here\n";
    if (name == "stop") {
      if (hooks_.stop) hooks_.stop();
      return "stopping\n";
    }
    for (const auto& plugin : plugins_.plugins()) {
      for (const auto& c : plugin->registry.commands()) {
        if (c.name != name) continue;
        if (static_cast<int>(args.size()) < c.min_args || static_cast<int>(args.size()) > c.max_args) {
          return "usage: " + c.usage + "\n";
        }
        PluginCommandContext context(config_.plugin_configs.at(plugin->name), config_.host, segment_, connectors_);
        std::string out = c.run(context, args);
        if (!out.empty() && out.back() != '\n') out += '\n';
        return out;
      }
    }
    return "error: unknown command '" + name + "'; type help\n";
  } catch (const std::exception& error) {
    return "error: " + std::string(error.what()) + "\n";
  } catch (...) {
    return "error: the command failed with an unknown exception\n";
  }
}

}  // namespace aotf::host
