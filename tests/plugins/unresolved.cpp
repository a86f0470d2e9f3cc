// Calls a function that no library defines: dlopen with RTLD_NOW must fail.
#include <aotf/plugin.hpp>

extern "C" void aotf_test_symbol_nobody_defines();

namespace {
void register_unresolved(aotf::Registry&) { aotf_test_symbol_nobody_defines(); }
}  // namespace

AOTF_PLUGIN("unresolved", "0.0.1", register_unresolved)
