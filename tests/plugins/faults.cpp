// Fault injection for the runtime tests. Every `fault_worker` thread beats (a metric named
// "beat.<worker>") and polls for a command file <data_dir>/faults/<worker>; the word in it says
// what to do next:
//   throw            throw a std::runtime_error
//   throw_declared   declare the request named in <worker>.request ("user|scan SLOT GENERATION"),
//                    then throw
//   segv_declared    declare it, then write through a null pointer
//   crash_early      throw at once on every start (the init-crash back-off grows)
//   segv             write through a null pointer
//   abort_in_lock    take the segment's registry lock, then abort
//   hang             ignore the stop flag forever
//   network_error    throw the HTTP client's connection error (a network outage if the probe fails)
//   return           return normally (the worker ends)
// The command file is removed when read, except for crash_early and segv_always, which stay.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <aotf/http/client.hpp>
#include <aotf/plugin.hpp>
#include <aotf/shm/pipelines.hpp>
#include <aotf/shm/segment.hpp>

namespace {

std::string read_command(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string word;
  in >> word;
  return word;
}

void fault_worker(aotf::StageContext& ctx) {
  const auto file = ctx.host().data_dir / "faults" / ctx.worker_name();
  const auto period = std::chrono::milliseconds(ctx.config().integer("beat_ms"));
  while (ctx.running()) {
    ctx.segment().record("beat." + ctx.worker_name(), 0.001);
    std::string command;
    if (std::filesystem::exists(file)) {
      command = read_command(file);
      if (command != "crash_early" && command != "segv_always") std::filesystem::remove(file);
    }
    if (command == "throw") throw std::runtime_error("injected failure in " + ctx.worker_name());
    if (command == "throw_declared" || command == "segv_declared") {
      std::ifstream in(file.string() + ".request");
      std::string kind;
      std::uint32_t slot = 0, generation = 0;
      in >> kind >> slot >> generation;
      aotf::shm::RequestRef ref{kind == "scan" ? aotf::shm::RequestRef::Scan : aotf::shm::RequestRef::User, slot,
                                generation};
      ctx.declare(ref, "injected request " + kind + " " + std::to_string(slot));
      if (command == "segv_declared") {
        volatile int* nowhere = nullptr;
        *nowhere = 1;  // the whole process dies: the supervisor must fail the request
      }
      throw std::runtime_error("injected failure while working on a request");
    }
    if (command == "crash_early") throw std::logic_error("injected crash at start");
    if (command == "network_error") {
      throw aotf::http::HttpError(aotf::http::HttpError::Kind::Connect, "http://127.0.0.1:1/",
                                  "injected connection failure");
    }
    if (command == "segv" || command == "segv_always") {
      volatile int* nowhere = nullptr;
      *nowhere = 1;
    }
    if (command == "abort_in_lock") {
      ctx.segment().header().registry_mutex.lock();
      std::abort();
    }
    if (command == "hang") {
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (command == "return") return;
    ctx.sleep_for(period);
  }
}

void register_faults(aotf::Registry& registry) {
  registry.add_config_key(aotf::ConfigKey::integer("beat_ms", 50, 1, 60000, "time between two beats"));
  registry.add_stage({"fault_worker", "beats and obeys fault-injection command files", &fault_worker});
  // Creates a user request (URL) or a scan request (platform, account id) and prints
  // "<kind> <slot> <generation>"; `fault-request show URL` prints the user request's status.
  registry.add_command({"fault-request", "fault-request user URL | scan PLATFORM ID | show URL | scan-state PLATFORM ID",
                        "test requests for fault injection", 2, 3,
                        [](aotf::CommandContext& ctx, const std::vector<std::string>& args) -> std::string {
                          aotf::shm::Segment& segment = *ctx.segment();
                          if (args[0] == "user") {
                            auto out = aotf::shm::UserRequests(segment).launch(args[1], "", {});
                            const auto& ref = out.request.ref;
                            return "user " + std::to_string(ref.slot) + " " + std::to_string(ref.generation);
                          }
                          if (args[0] == "scan" && args.size() == 3) {
                            auto out = aotf::shm::ScanRequests(segment).launch(args[1], args[2], args[2], true, false);
                            const auto& ref = out.scan.ref;
                            return "scan " + std::to_string(ref.slot) + " " + std::to_string(ref.generation);
                          }
                          if (args[0] == "show") {
                            auto r = aotf::shm::UserRequests(segment).get(args[1]);
                            if (!r) return "no such request";
                            return std::string(aotf::shm::to_string(r->status)) + " " +
                                   std::string(aotf::shm::to_string(r->error));
                          }
                          if (args[0] == "scan-state" && args.size() == 3) {
                            auto r = aotf::shm::ScanRequests(segment).get(args[1], args[2]);
                            if (!r) return "no such scan";
                            return std::string(r->has_failed ? "failed" : "ok") + (r->ended() ? " ended" : " running");
                          }
                          return "bad arguments";
                        }});
}

}  // namespace

AOTF_PLUGIN("faults", "1.0.0", register_faults)
