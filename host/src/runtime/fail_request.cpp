#include "aotf/log.hpp"
#include "aotf/shm/pipelines.hpp"
#include "runtime/collector.hpp"

namespace aotf::host {

void fail_declared_request(shm::Segment& segment, const shm::RequestRef& request, const std::string& worker) {
  switch (request.kind) {
    case shm::RequestRef::User:
      // Forced END with PROCESSING_ERROR; the END side effects happen once even if called twice.
      if (!shm::UserRequests(segment).fail(request, shm::UserError::ProcessingError)) {
        log_debug(worker, "its user request had already ended or was shed");
      }
      break;
    case shm::RequestRef::Scan:
      // A failed scan ends, so the user requests following it do not wait forever.
      if (!shm::ScanRequests(segment).fail(request)) log_debug(worker, "its scan request had already ended");
      break;
    case shm::RequestRef::None:
      break;
  }
}

}  // namespace aotf::host
