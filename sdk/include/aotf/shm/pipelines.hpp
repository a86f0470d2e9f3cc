#pragma once
// The pipelines section of the segment: user requests, scan requests, their queues, the step C
// queue, per-IP counters and the HTTP rate limiter.

#include <cstdint>

namespace aotf::shm {

struct PipelineState {
  std::uint32_t reserved;
};

}  // namespace aotf::shm
