#include "aotf/log.hpp"
#include "runtime/collector.hpp"

namespace aotf::host {

void fail_declared_request(shm::Segment& segment, const shm::RequestRef& request, const std::string& worker) {
  (void)segment;
  (void)request;
  log_warning(worker, "declared request left as is");
}

}  // namespace aotf::host
