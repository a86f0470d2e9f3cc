// Loads the test plugins of tests/plugins/ and checks what an operator is told about each file.
#include <gtest/gtest.h>

#include <algorithm>

#include "aotf/plugin.hpp"
#include "plugins/connector_set.hpp"
#include "plugins/plugin_set.hpp"

namespace aotf::host {
namespace {

const std::filesystem::path kFolder = AOTF_TEST_PLUGINS_DIR;

std::string refusal_of(const PluginSet& set, const std::string& file) {
  for (const auto& r : set.refused()) {
    if (r.file.filename() == file) return r.str();
  }
  return "(not refused)";
}

TEST(PluginSet, LoadsTheGoodPluginAndWhatItRegisters) {
  PluginSet set = PluginSet::load_folder(kFolder);
  ASSERT_EQ(set.plugins().size(), 1u) << "only good.so is a valid plugin";
  const LoadedPlugin* good = set.find("good");
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(good->version, "1.2.3");
  EXPECT_EQ(good->abi_version, kPluginAbiVersion);
  ASSERT_EQ(good->registry.stages().size(), 1u);
  EXPECT_EQ(good->registry.stages()[0].name, "good_stage");
  ASSERT_EQ(good->registry.sites().size(), 1u);
  auto site = good->registry.sites()[0].make(ConfigView());
  EXPECT_EQ(site->name(), "fixture_site");
  EXPECT_EQ(good->registry.commands().at(0).name, "good-echo");
  EXPECT_EQ(good->registry.config_keys().size(), 4u);
  EXPECT_EQ(set.owner_of_stage("good_stage"), good);
}

TEST(PluginSet, RefusesEachBadFileWithItsReasonAndFix) {
  PluginSet set = PluginSet::load_folder(kFolder);
  EXPECT_EQ(set.refused().size(), 6u);
  EXPECT_EQ(refusal_of(set, "wrong_abi.so"),
            "wrong_abi.so: refused: built for plugin ABI 999 but this aotfd speaks ABI 1; rebuild it against SDK "
            "ABI 1");
  EXPECT_EQ(refusal_of(set, "no_entry.so"),
            "no_entry.so: refused: no 'aotf_plugin_entry' entry symbol, so it is not an aotfd plugin; declare it "
            "with AOTF_PLUGIN(name, version, register_function) and build it with aotf_add_plugin()");
  EXPECT_EQ(refusal_of(set, "unresolved.so"),
            "unresolved.so: refused: unresolved symbol 'aotf_test_symbol_nobody_defines' at load time; link the "
            "library that defines it into the plugin, or rebuild the plugin against this aotfd's SDK");
  EXPECT_EQ(refusal_of(set, "throws.so"),
            "throws.so: refused: plugin 'throws' threw while registering: cannot open /nonexistent/model.bin; fix "
            "its register function");
  EXPECT_EQ(refusal_of(set, "later_duplicate.so"),
            "later_duplicate.so: refused: plugin 'later_duplicate' registers stage procedure 'good_stage', already "
            "registered by plugin 'good' (good.so); rename one of them or remove one plugin");
  EXPECT_EQ(refusal_of(set, "notes.so"),
            "notes.so: refused: not a shared library (invalid ELF header); remove it from the plugins folder, or "
            "replace it with a plugin built with aotf_add_plugin()");
}

TEST(PluginSet, ASecondCopyOfAPluginIsRefusedByName) {
  PluginSet set;
  ASSERT_TRUE(set.load_file(kFolder / "good.so"));
  const auto copy = std::filesystem::temp_directory_path() / ("aotf_good_copy_" + std::to_string(::getpid()) + ".so");
  std::filesystem::copy_file(kFolder / "good.so", copy, std::filesystem::copy_options::overwrite_existing);
  EXPECT_FALSE(set.load_file(copy));
  ASSERT_EQ(set.refused().size(), 1u);
  EXPECT_NE(set.refused()[0].reason.find("plugin name 'good' is already taken by plugin 'good' (good.so)"),
            std::string::npos)
      << set.refused()[0].reason;
  std::filesystem::remove(copy);
}

TEST(PluginSet, AMissingFolderLoadsNothing) {
  PluginSet set = PluginSet::load_folder(kFolder / "does-not-exist");
  EXPECT_TRUE(set.plugins().empty());
  EXPECT_TRUE(set.refused().empty());
}

TEST(PluginSet, RunsAStageOfALoadedPlugin) {
  PluginSet set = PluginSet::load_folder(kFolder, {"good"});
  ASSERT_EQ(set.plugins().size(), 1u);
  ASSERT_TRUE(set.refused().empty()) << "only good.so was asked for";
  const auto* command = &set.find("good")->registry.commands().at(0);
  const DaemonConfig config;
  struct Ctx : CommandContext {
    explicit Ctx(const PluginSet& set, const DaemonConfig& config) : set_connectors(set, config) {}
    ConfigView view{"good", {{"greeting", std::string("bonjour")}}};
    HostInfo info;
    ConnectorSet set_connectors;
    const ConfigView& config() const override { return view; }
    const HostInfo& host() const override { return info; }
    shm::Segment* segment() override { return nullptr; }
    Connectors& connectors() override { return set_connectors; }
  } ctx(set, config);
  ASSERT_EQ(ctx.connectors().sites().size(), 1u) << "good.so registers one site";
  EXPECT_EQ(ctx.connectors().sites()[0]->name(), "fixture_site");
  EXPECT_EQ(ctx.connectors().source("x"), nullptr) << "good.so registers no source";
  EXPECT_EQ(command->run(ctx, {"monde"}), "bonjour monde");
}

}  // namespace
}  // namespace aotf::host
