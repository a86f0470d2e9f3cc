#pragma once
// A small W3C WebDriver client for the browser tests: starts chromedriver on a loopback port,
// opens one headless Chromium session that cannot reach anything beyond 127.0.0.1 (every other
// host name resolves to nothing and every other connection goes to a closed loopback proxy), and
// offers the few commands the tests use.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace aotf::test {

class WebDriverError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class Browser {
public:
  // Paths of the Debian packages chromium and chromium-driver.
  static constexpr const char* kChromium = "/usr/bin/chromium";
  static constexpr const char* kChromedriver = "/usr/bin/chromedriver";
  [[nodiscard]] static bool available();

  // Starts chromedriver and a headless session; throws WebDriverError naming what failed.
  explicit Browser(const std::filesystem::path& work_dir);
  ~Browser();
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  void open(const std::string& url);
  // The element id of the first match of a CSS selector, or nullopt.
  [[nodiscard]] std::optional<std::string> find(const std::string& css);
  [[nodiscard]] std::vector<std::string> find_all(const std::string& css);
  void type(const std::string& element, const std::string& text);
  void click(const std::string& element);
  [[nodiscard]] std::string text(const std::string& element);
  [[nodiscard]] std::string attribute(const std::string& element, const std::string& name);
  // PNG bytes of the viewport.
  [[nodiscard]] std::string screenshot();
  [[nodiscard]] const std::string& log_file() const noexcept { return log_; }

private:
  nlohmann::json call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr);

  pid_t driver_ = -1;
  int port_ = 0;
  std::string session_;
  std::string log_;
};

[[nodiscard]] std::string base64_decode(const std::string& text);

}  // namespace aotf::test
