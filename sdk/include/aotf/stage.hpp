#pragma once
// What a stage procedure receives. The host runs each procedure inside the error collector, as
// a worker named "<procedure>_th<id>"; a procedure loops while running() is true and returns
// when it is false. An exception escaping the procedure is logged by the collector and the
// procedure is started again (see host/README.md).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "aotf/config.hpp"
#include "aotf/host_info.hpp"

namespace aotf {

class Connectors;

namespace shm {
class Segment;
struct RequestRef;
}  // namespace shm

class StageContext {
public:
  virtual ~StageContext() = default;

  // "<procedure>_th<id>", ids counted per procedure across containers, starting at 1.
  [[nodiscard]] virtual const std::string& worker_name() const = 0;
  [[nodiscard]] virtual int worker_id() const = 0;
  // False once the daemon is stopping; every loop checks it at least every few seconds.
  [[nodiscard]] virtual bool running() const = 0;
  // Sleeps up to `duration`, waking early when the daemon stops. Returns running().
  virtual bool sleep_for(std::chrono::milliseconds duration) = 0;
  // The validated keys the plugin declared.
  [[nodiscard]] virtual const ConfigView& config() const = 0;
  [[nodiscard]] virtual const HostInfo& host() const = 0;
  // The daemon's shared memory: run flag, registries, metrics, pipelines (aotf/shm/*.hpp).
  [[nodiscard]] virtual shm::Segment& segment() = 0;
  // This worker's slot in the workers registry.
  [[nodiscard]] virtual std::uint32_t worker_slot() const = 0;
  // Declares the request this worker works on (shown by `threads`). If the procedure throws or
  // its process dies before clear_declaration(), the error collector fails that request.
  virtual void declare(const shm::RequestRef& request, std::string_view doing) = 0;
  virtual void clear_declaration() = 0;
  // The sites and sources of every loaded plugin (aotf/connectors/connectors.hpp).
  [[nodiscard]] virtual Connectors& connectors() = 0;
  // For a procedure registered with reports_ready: it finished starting (the HTTP server
  // listens). The daemon tells systemd it is ready once every worker is.
  virtual void ready() = 0;
};

struct StageProcedure {
  std::string name;          // [A-Za-z0-9_]+ ("stepA_list_search"), unique among all loaded plugins
  std::string description;   // one line, shown by `aotfd plugins`
  std::function<void(StageContext&)> run;
  // False: a worker counts as started as soon as it runs. True: only once it called
  // StageContext::ready() (a server that must bind its port first).
  bool reports_ready = false;
};

}  // namespace aotf
