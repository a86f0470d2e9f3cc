// Registers a stage procedure that good.so (loaded first) already registered.
#include <aotf/plugin.hpp>

namespace {
void register_duplicate(aotf::Registry& registry) {
  registry.add_stage({"good_stage", "clashes with good.so", [](aotf::StageContext&) {}});
}
}  // namespace

AOTF_PLUGIN("later_duplicate", "0.0.1", register_duplicate)
