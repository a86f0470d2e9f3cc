// Which configuration file aotfd and aotfctl read without --config (host/src/config/default_config_path).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/default_config_path.hpp"

namespace {

namespace fs = std::filesystem;
using aotf::host::default_config_path;
using aotf::host::installed_config_path;

TEST(DefaultConfigPath, TheUsrPrefixKeepsItsConfigurationInEtc) {
  EXPECT_EQ(installed_config_path("/usr/bin/aotfd"), fs::path("/etc/aotfd/aotfd.toml"));
  EXPECT_EQ(installed_config_path("/usr/local/bin/aotfd"), fs::path("/usr/local/etc/aotfd/aotfd.toml"));
  EXPECT_EQ(installed_config_path("/opt/aotfd/bin/aotfctl"), fs::path("/opt/aotfd/etc/aotfd/aotfd.toml"));
}

class InFolder : public ::testing::Test {
protected:
  void SetUp() override {
    old_ = fs::current_path();
    dir_ = fs::temp_directory_path() / ("aotfd_default_config_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::current_path(dir_);
    ::unsetenv("AOTFD_CONFIG");
  }
  void TearDown() override {
    ::unsetenv("AOTFD_CONFIG");
    fs::current_path(old_);
    fs::remove_all(dir_);
  }
  fs::path old_, dir_;
};

TEST_F(InFolder, AotfdConfigWinsOverEverything) {
  fs::create_directories("config");
  std::ofstream("config/aotfd.toml") << "instance = \"x\"\n";
  ::setenv("AOTFD_CONFIG", "/somewhere/else.toml", 1);
  EXPECT_EQ(default_config_path(), fs::path("/somewhere/else.toml"));
  ::setenv("AOTFD_CONFIG", "", 1);  // empty counts as unset
  EXPECT_EQ(default_config_path(), fs::path("config/aotfd.toml"));
}

TEST_F(InFolder, TheSourceTreeFileWhenItExists) {
  fs::create_directories("config");
  std::ofstream("config/aotfd.toml") << "instance = \"x\"\n";
  EXPECT_EQ(default_config_path(), fs::path("config/aotfd.toml"));
}

// This test binary lives in <build>/bin, whose ../etc/aotfd/aotfd.toml does not exist: the
// fallback names the file of the source tree, so the error says what was looked for.
TEST_F(InFolder, NothingFoundNamesTheSourceTreeFile) {
  EXPECT_EQ(default_config_path(), fs::path("config/aotfd.toml"));
}

}  // namespace
