// Test plugin for the systemd notifications: two stages.
//   plain_worker  counts as started as soon as it runs.
//   late_ready    registered with reports_ready; calls StageContext::ready() only once the file
//                 <data_dir>/ready_now exists, as the HTTP server does once it listens.
#include <chrono>
#include <filesystem>

#include <aotf/plugin.hpp>

namespace {

void plain_worker(aotf::StageContext& ctx) {
  while (ctx.running()) ctx.sleep_for(std::chrono::milliseconds(50));
}

void late_ready(aotf::StageContext& ctx) {
  const auto flag = ctx.host().data_dir / "ready_now";
  bool told = false;
  while (ctx.running()) {
    if (!told && std::filesystem::exists(flag)) {
      ctx.ready();
      told = true;
    }
    ctx.sleep_for(std::chrono::milliseconds(50));
  }
}

void register_late_ready(aotf::Registry& registry) {
  registry.add_stage({"plain_worker", "runs until the daemon stops", &plain_worker});
  registry.add_stage({"late_ready", "ready once <data_dir>/ready_now exists", &late_ready, true});
}

}  // namespace

AOTF_PLUGIN("late_ready", "1.0.0", register_late_ready)
