// Throws from its register function.
#include <stdexcept>

#include <aotf/plugin.hpp>

namespace {
void register_throws(aotf::Registry&) { throw std::runtime_error("cannot open /nonexistent/model.bin"); }
}  // namespace

AOTF_PLUGIN("throws", "0.0.1", register_throws)
