#include "aotf/shm/pipelines.hpp"

#include <new>

#include "aotf/shm/segment.hpp"

namespace aotf::shm {

std::size_t pipeline_state_bytes(const Capacities&) { return sizeof(PipelineState); }

void construct_pipeline_state(void* at, const Capacities&) { new (at) PipelineState{}; }

}  // namespace aotf::shm
