#include "runtime/collector.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/core/demangle.hpp>
#include <fstream>
#include <mutex>

#include "aotf/connectors/connectors.hpp"
#include "aotf/error.hpp"
#include "aotf/http/client.hpp"
#include "aotf/log.hpp"
#include "runtime/throw_trace.hpp"

namespace aotf::host {

namespace {

class WorkerContext final : public StageContext {
public:
  WorkerContext(const WorkerSpec& spec, shm::Segment& segment, std::uint32_t slot, Clock& clock)
      : spec_(spec), name_(spec.name()), segment_(segment), slot_(slot), clock_(clock) {}
  const std::string& worker_name() const override { return name_; }
  int worker_id() const override { return static_cast<int>(spec_.id); }
  bool running() const override { return segment_.running(); }
  bool sleep_for(std::chrono::milliseconds duration) override {
    return clock_.sleep_for(duration, [this] { return segment_.running(); });
  }
  const ConfigView& config() const override { return *spec_.config; }
  const HostInfo& host() const override { return *spec_.host; }
  shm::Segment& segment() override { return segment_; }
  std::uint32_t worker_slot() const override { return slot_; }
  void declare(const shm::RequestRef& request, std::string_view doing) override {
    segment_.declare(slot_, request, doing);
  }
  void clear_declaration() override { segment_.declare(slot_, {}, ""); }
  void ready() override { segment_.set_ready(slot_); }
  Connectors& connectors() override {
    if (!spec_.connectors) throw Error("no connectors in this process (a test that runs a stage without a daemon)");
    return *spec_.connectors;
  }

private:
  const WorkerSpec& spec_;
  std::string name_;
  shm::Segment& segment_;
  std::uint32_t slot_;
  Clock& clock_;
};

bool probe_connects(const std::string& probe) {
  const auto colon = probe.rfind(':');
  if (colon == std::string::npos) return false;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;  // never a DNS lookup
  addrinfo* result = nullptr;
  if (::getaddrinfo(probe.substr(0, colon).c_str(), probe.substr(colon + 1).c_str(), &hints, &result) != 0) {
    return false;
  }
  bool ok = false;
  const int fd = ::socket(result->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    timeval timeout{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    ok = ::connect(fd, result->ai_addr, result->ai_addrlen) == 0;
    ::close(fd);
  }
  ::freeaddrinfo(result);
  return ok;
}

void last_chance(const WorkerSpec& spec, const CollectorSettings& settings, const std::string& what) noexcept {
  try {
    const std::string entry = "==== " + local_timestamp() + " ==== " + spec.name() + " (pid " + std::to_string(::getpid()) +
                              ")\nThe error collector itself failed, the worker is not restarted: " + what + "\n";
    write_error_log(settings.log_dir, "error_collector", entry);
    log_error(spec.name(), "the error collector failed, worker stopped: " + what);
  } catch (...) {
  }
}

}  // namespace

bool write_error_log(const std::filesystem::path& log_dir, const std::string& procedure, const std::string& entry) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::error_code ec;
  std::filesystem::create_directories(log_dir, ec);
  std::ofstream out(log_dir / (procedure + "_errors.log"), std::ios::app);
  out << entry << "\n\n\n";
  return static_cast<bool>(out);
}

bool is_network_outage(const std::exception& error, const std::string& probe) {
  const auto* http = dynamic_cast<const http::HttpError*>(&error);
  if (!http || http->kind() != http::HttpError::Kind::Connect) return false;
  return !probe.empty() && !probe_connects(probe);
}

void error_collector(const WorkerSpec& spec, shm::Segment& segment, const CollectorSettings& settings,
                     Clock& clock) noexcept {
  std::uint32_t slot = 0;
  try {
    slot = segment.register_worker(spec.name(), spec.procedure->name, spec.container, spec.id);
  } catch (const std::exception& error) {
    last_chance(spec, settings, std::string("cannot register the worker: ") + error.what());
    return;
  }
  try {
    WorkerContext context(spec, segment, slot, clock);
    std::uint32_t logged = 0;
    std::uint32_t init_crashes = 0;
    const auto keep_going = [&] { return segment.running(); };
    while (segment.running()) {
      const auto started = clock.now();
      segment.worker(slot).runs++;
      segment.worker(slot).state.store(static_cast<std::uint32_t>(shm::WorkerState::Running));
      if (!spec.procedure->reports_ready) segment.set_ready(slot);
      std::string type;
      std::string message;
      std::string stack;
      bool network = false;
      try {
        spec.procedure->run(context);
        break;  // a normal return ends the worker
      } catch (const std::exception& error) {
        stack = last_throw_stacktrace();
        type = boost::core::demangle(typeid(error).name());
        message = error.what();
        network = is_network_outage(error, settings.network_probe);
      } catch (...) {
        stack = last_throw_stacktrace();
        type = "unknown exception";
        message = "(not derived from std::exception)";
      }

      // What the worker was doing, then fail it.
      const auto info = segment.workers();
      shm::RequestRef declared;
      std::string doing;
      for (const auto& w : info) {
        if (w.slot == slot) {
          declared = w.declared;
          doing = w.doing;
        }
      }
      std::string failed_request = "none";
      if (!declared.empty()) {
        failed_request = doing.empty() ? std::string("a declared request") : doing;
        try {
          fail_declared_request(segment, declared, spec.name());
        } catch (const std::exception& error) {
          failed_request += " (could not be failed: " + std::string(error.what()) + ")";
        }
        segment.declare(slot, {}, "");
      }
      segment.worker(slot).errors++;

      if (logged < settings.max_logged_errors) {
        ++logged;
        std::string entry = "==== " + local_timestamp() + " ==== " + spec.name() + " (pid " + std::to_string(::getpid()) +
                            ", plugin " + spec.plugin + ")\n";
        entry += "Request: " + failed_request + "\n";
        entry += "Exception: " + type + ": " + message + "\n";
        if (network) entry += "Network: the network probe " + settings.network_probe + " cannot be reached\n";
        entry += "Stack trace where it was thrown:\n" + (stack.empty() ? std::string(" (none recorded)\n") : stack);
        write_error_log(settings.log_dir, spec.procedure->name, entry);
      }
      log_error(spec.name(), "crashed: " + type + ": " + message + "; request: " + failed_request + "; details in " +
                                 (settings.log_dir / (spec.procedure->name + "_errors.log")).string());

      // The original's init-crash rule: a procedure that dies within the window of its start
      // waits longer after each such crash, so a broken configuration does not spin.
      if (clock.now() - started < settings.init_crash_window) {
        ++init_crashes;
        const auto wait = settings.init_crash_wait * init_crashes;
        segment.worker(slot).state.store(static_cast<std::uint32_t>(shm::WorkerState::BackingOff));
        log_warning(spec.name(), "crashed within " + std::to_string(settings.init_crash_window.count()) +
                                     " ms of its start (" + std::to_string(init_crashes) + " times): waiting " +
                                     std::to_string(wait.count()) + " ms before restarting");
        if (!clock.sleep_for(wait, keep_going)) break;
      }
      if (network) {
        segment.worker(slot).state.store(static_cast<std::uint32_t>(shm::WorkerState::WaitingNetwork));
        log_warning(spec.name(), "network outage: waiting until " + settings.network_probe + " answers");
        while (segment.running() && !probe_connects(settings.network_probe)) {
          if (!clock.sleep_for(settings.network_poll, keep_going)) break;
        }
      }
      if (segment.running()) log_info(spec.name(), "restarting");
    }
    segment.unregister_worker(slot);
  } catch (const std::exception& error) {
    last_chance(spec, settings, error.what());
  } catch (...) {
    last_chance(spec, settings, "unknown exception");
  }
}

}  // namespace aotf::host
