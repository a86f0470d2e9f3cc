#pragma once
// The runtime suite's daemon: tests/support's DaemonRig running the `faults` test plugin's
// fault_worker stage (3 threads, container "faulty", one thread per container), with fault
// commands written to data/faults/<worker> and beats read from `metrics`.

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "../support/daemon_rig.hpp"

namespace aotf::test {

inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 15s) {
  return poll_until(condition, timeout);
}

inline RigOptions fault_daemon_options(const std::string& name, bool multiprocessing, const std::string& extra_config) {
  RigOptions o;
  o.name = name;
  o.folder_prefix = "aotfd_rt_";
  o.multiprocessing = multiprocessing;
  o.plugins_dir = AOTF_FAULT_PLUGINS_DIR;
  o.data_subdirs = {"faults"};
  o.config = extra_config + "\n[stages.fault_worker]\nthreads = 3\ncontainer = \"faulty\"\nthreads_per_container = 1\n";
  return o;
}

class Daemon : public DaemonRig {
public:
  Daemon(const std::string& name, bool multiprocessing, const std::string& extra_config = "")
      : DaemonRig(fault_daemon_options(name, multiprocessing, extra_config)) {}

  [[nodiscard]] static std::string read(const fs::path& file) { return read_file(file); }

  // Writes a fault command for one worker.
  void inject(const std::string& worker, const std::string& command) {
    const fs::path file = dir() / "data" / "faults" / worker;
    std::ofstream(file.string() + ".tmp") << command << "\n";
    fs::rename(file.string() + ".tmp", file);
  }
  void clear_fault(const std::string& worker) { fs::remove(dir() / "data" / "faults" / worker); }

  // Beats counted so far for each worker, from the `metrics` command.
  std::map<std::string, long> beats() {
    std::map<std::string, long> out;
    const std::string text = ctl("metrics");
    static const std::regex line("beat\\.(\\S+): \\S+ s on average over (\\d+) samples");
    for (std::sregex_iterator it(text.begin(), text.end(), line), end; it != end; ++it) {
      out[(*it)[1]] = std::stol((*it)[2]);
    }
    return out;
  }
  // True once every named worker beat at least `more` times more than in `before`.
  bool all_beat_again(const std::map<std::string, long>& before, const std::vector<std::string>& workers, long more = 3) {
    return eventually([&] {
      auto now = beats();
      for (const auto& w : workers) {
        auto b = before.count(w) ? before.at(w) : 0;
        if (!now.count(w) || now.at(w) < b + more) return false;
      }
      return true;
    });
  }

  // PIDs shown by `threads`, by fault worker name.
  std::map<std::string, pid_t> worker_pids() const { return DaemonRig::worker_pids("fault_worker_th"); }
};

}  // namespace aotf::test
