// A well-formed plugin that registers one of everything.
#include <aotf/plugin.hpp>

namespace {

class FixtureSite : public aotf::Site {
public:
  std::string_view name() const override { return "fixture_site"; }
  bool owns(std::string_view url) const override { return url.find("fixture.example.org/") != std::string_view::npos; }
  std::optional<aotf::Artwork> lookup(std::string_view, aotf::LinkRequest&) override { return std::nullopt; }
};

void register_good(aotf::Registry& registry) {
  registry.add_config_key(aotf::ConfigKey::integer("workers", 4, 1, 64, "how many workers"));
  registry.add_config_key(aotf::ConfigKey::string("greeting", "hello", "what good-echo answers"));
  registry.add_config_key(aotf::ConfigKey::choice("mode", "exact", {"exact", "fast"}, "a choice"));
  registry.add_config_key(aotf::ConfigKey::string("upstream.base_url", "http://127.0.0.1:1/", "a nested key"));
  registry.add_stage({"good_stage", "sleeps until the daemon stops", [](aotf::StageContext& ctx) {
                        while (ctx.sleep_for(std::chrono::milliseconds(200))) {
                        }
                      }});
  registry.add_site("fixture_site", [](const aotf::ConfigView&) { return std::make_unique<FixtureSite>(); });
  registry.add_command({"good-echo", "good-echo [WORD]", "answers with the greeting", 0, 1,
                        [](aotf::CommandContext& ctx, const std::vector<std::string>& args) {
                          return ctx.config().string("greeting") + (args.empty() ? "" : " " + args[0]);
                        }});
}

}  // namespace

AOTF_PLUGIN("good", "1.2.3", register_good)
