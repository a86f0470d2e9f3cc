// Runs the aotfd executable as an operator does and checks what it prints and its exit status.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

namespace {

namespace fs = std::filesystem;

struct Result {
  int status = -1;
  std::string out;  // stdout and stderr together
};

Result run(const std::string& args) {
  Result r;
  const std::string command = std::string(AOTFD_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class AotfdCli : public testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("aotfd_cli_" + std::to_string(::getpid()) + "_" +
                                        testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write_config(const std::string& text) {
    const fs::path path = dir_ / "aotfd.toml";
    std::ofstream(path) << text;
    return path;
  }
  std::string base() const {
    return "instance = \"cli_test\"\ndata_dir = \"" + (dir_ / "data").string() + "\"\nplugins_dir = \"" +
           AOTF_TEST_PLUGINS_DIR + "\"\n";
  }

  fs::path dir_;
};

TEST_F(AotfdCli, VersionAndHelp) {
  Result v = run("--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("aotfd ", 0), 0u) << v.out;
  EXPECT_NE(v.out.find("plugin ABI 1"), std::string::npos);
  Result h = run("--help");
  EXPECT_EQ(h.status, 0);
  for (const char* word : {"check-config", "plugins", "--config"}) EXPECT_NE(h.out.find(word), std::string::npos) << word;
}

TEST_F(AotfdCli, UnknownCommandAndOptionAreUsageErrors) {
  EXPECT_EQ(run("frobnicate").status, 2);
  Result r = run("--frob");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("unknown option '--frob'"), std::string::npos) << r.out;
}

TEST_F(AotfdCli, CheckConfigReportsAMisspeltKeyWithLineAndColumn) {
  const fs::path config = write_config(base() + "log_levle = \"debug\"\n");
  Result r = run("--config " + config.string() + " check-config");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find(config.string() + ":4:1: unknown key 'log_levle' (did you mean 'log_level'?)"),
            std::string::npos)
      << r.out;
}

TEST_F(AotfdCli, CheckConfigValidatesPluginTables) {
  const fs::path config = write_config(base() + "[plugins.good]\nworkers = 100\n[plugins.throws]\nx = 1\n");
  Result r = run("--config " + config.string() + " check-config");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find(":5:11: 'workers' in [plugins.good] must be between 1 and 64, got 100"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(":6:1: [plugins.throws] configures no loaded plugin; throws.so: refused: plugin 'throws' threw"),
            std::string::npos)
      << r.out;
}

TEST_F(AotfdCli, CheckConfigAcceptsAValidFileAndWarnsAboutRefusedFiles) {
  const fs::path config = write_config(base() + "[plugins.good]\nworkers = 2\n");
  Result r = run("--config " + config.string() + " check-config");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("configuration is valid (1 plugins loaded"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("warning: wrong_abi.so: refused: built for plugin ABI 999"), std::string::npos) << r.out;
}

TEST_F(AotfdCli, MissingConfigFileIsAClearError) {
  Result r = run("--config " + (dir_ / "nope.toml").string() + " check-config");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("nope.toml:1:1: cannot read the configuration file"), std::string::npos) << r.out;
}

TEST_F(AotfdCli, PluginsListsLoadedAndRefusedFiles) {
  const fs::path config = write_config(base());
  Result r = run("--config " + config.string() + " plugins");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("1 loaded, 6 refused"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("good.so: plugin 'good' version 1.2.3, ABI 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stages: good_stage"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sites: fixture_site"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("commands: good-echo"), std::string::npos) << r.out;
  for (const char* file : {"wrong_abi.so", "no_entry.so", "unresolved.so", "throws.so", "later_duplicate.so",
                           "notes.so"}) {
    EXPECT_NE(r.out.find(std::string(file) + ": refused: "), std::string::npos) << file << "\n" << r.out;
  }
}

TEST_F(AotfdCli, TheDefaultConfigIsValid) {
  Result r = run("--config " + std::string(AOTF_SOURCE_DIR) + "/config/aotfd.toml check-config");
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST_F(AotfdCli, TheReferenceConfigListsEveryKeyAndIsUpToDate) {
  const std::string source = AOTF_SOURCE_DIR;
  Result r = run("--config " + source + "/config/aotfd.toml reference-config");
  ASSERT_EQ(r.status, 0) << r.out;
  std::ifstream in(source + "/config/aotfd.reference.toml");
  const std::string committed((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(r.out, committed) << "regenerate it: build/bin/aotfd --config config/aotfd.toml reference-config > "
                                 "config/aotfd.reference.toml";
  // And it is itself a valid configuration.
  const fs::path copy = dir_ / "reference.toml";
  std::string text = committed;
  const std::string data_line = "data_dir = \"data\"";
  text.replace(text.find(data_line), data_line.size(), "data_dir = \"" + (dir_ / "data").string() + "\"");
  std::ofstream(copy) << text;
  Result check = run("--config " + copy.string() + " check-config");
  EXPECT_EQ(check.status, 0) << check.out;
}

TEST_F(AotfdCli, DaemonStartsAndStopsOnSigterm) {
  const fs::path config = write_config(base());
  const fs::path log = dir_ / "daemon.log";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::freopen(log.c_str(), "w", stderr);
    ::execl(AOTFD_BINARY, AOTFD_BINARY, "--config", config.c_str(), "run", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto log_text = [&] {
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (log_text().find("running with") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(log_text().find("running with 1 plugins"), std::string::npos) << log_text();
  ::kill(pid, SIGHUP);
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log_text();
  EXPECT_NE(log_text().find("SIGTERM received, stopping"), std::string::npos) << log_text();
}

}  // namespace
