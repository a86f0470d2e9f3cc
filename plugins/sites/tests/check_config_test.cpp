// `aotfd check-config` with the sites plugin: the keys it declares are what an operator writes.
#include <gtest/gtest.h>

#include <unistd.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fixture_server.hpp"
#include "sites/art_sites.hpp"

namespace {

namespace fs = std::filesystem;

struct Result {
  int status = -1;
  std::string out;
};

Result run(const std::string& args) {
  Result r;
  FILE* pipe = ::popen((std::string(AOTFD_BINARY) + " " + args + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buffer{};
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) r.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class SitesCheckConfig : public ::testing::Test {
protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("aotf_sites_check_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir / "plugins");
    fs::copy_file(AOTF_SITES_PLUGIN_FILE, dir / "plugins" / "sites.so");
  }
  void TearDown() override { fs::remove_all(dir); }

  Result check(const std::string& plugin_section) {
    const fs::path config = dir / "aotfd.toml";
    std::ofstream(config) << "instance = \"sites_check\"\ndata_dir = \"" << (dir / "data").string()
                          << "\"\nplugins_dir = \"" << (dir / "plugins").string() << "\"\n"
                          << plugin_section;
    return run("--config " + config.string() + " check-config");
  }

  fs::path dir;
};

TEST_F(SitesCheckConfig, TheFixtureSectionIsValid) {
  aotf::fixtures::FixtureServer server;
  aotf::fixtures::ArtSites sites(server);
  const Result r = check(sites.toml());
  EXPECT_EQ(r.status, 0) << sites.toml() << r.out;
}

TEST_F(SitesCheckConfig, SubTablesAndRangesAreChecked) {
  const Result r = check("[plugins.sites]\nuser_agent = \"aotfd-test\"\n[plugins.sites.retry]\nbudget = 0\n");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find(":7:10: 'retry.budget' in [plugins.sites] must be between 1 and 100, got 0"), std::string::npos)
      << r.out;
  const Result unknown = check("[plugins.sites.pixiv]\nbase_ulr = \"http://127.0.0.1:1\"\n");
  EXPECT_EQ(unknown.status, 2) << unknown.out;
  EXPECT_NE(unknown.out.find(":5:1: unknown key 'pixiv.base_ulr' in [plugins.sites] (did you mean 'pixiv.base_url'?)"),
            std::string::npos)
      << unknown.out;
}

}  // namespace
