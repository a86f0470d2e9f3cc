// The minimal plugin of the README: one config key, one stage procedure, one console command.
#include <aotf/log.hpp>
#include <aotf/plugin.hpp>

namespace {

void greet_forever(aotf::StageContext& ctx) {
  const auto period = std::chrono::seconds(ctx.config().integer("period_s"));
  while (ctx.running()) {
    aotf::log_info(ctx.worker_name(), ctx.config().string("greeting"));
    ctx.sleep_for(period);
  }
}

void register_hello(aotf::Registry& registry) {
  registry.add_config_key(aotf::ConfigKey::string("greeting", "hello from a plugin", "what to log"));
  registry.add_config_key(aotf::ConfigKey::integer("period_s", 60, 1, 86400, "seconds between greetings"));
  registry.add_stage({"hello_greeter", "logs the greeting every period_s seconds", &greet_forever});
  registry.add_command({"hello", "hello [NAME]", "answers with the greeting", 0, 1,
                        [](aotf::CommandContext& ctx, const std::vector<std::string>& args) {
                          return ctx.config().string("greeting") + (args.empty() ? "" : ", " + args[0]);
                        }});
}

}  // namespace

AOTF_PLUGIN("hello_consumer", "1.0.0", register_hello)
