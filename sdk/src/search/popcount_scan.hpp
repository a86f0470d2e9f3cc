#pragma once
// The linear Hamming scan kernels, picked once at load time from what the processor supports.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "aotf/search/hamming_index.hpp"

namespace aotf::search::detail {

// Appends {first_index + i, distance} for every codes[i] within `radius` of `query`, in order.
void scan_codes(const std::uint64_t* codes, std::size_t count, std::uint64_t query, int radius,
                std::size_t first_index, std::vector<CodeHit>& out);

// Name of the kernel scan_codes uses ("avx512-vpopcntq", "popcnt" or "portable").
const char* scan_kernel_name();

// Whether the processor has the POPCNT instruction (the multi-index search uses it when so).
bool has_popcnt();

}  // namespace aotf::search::detail
