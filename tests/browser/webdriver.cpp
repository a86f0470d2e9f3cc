#include "webdriver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include <httplib.h>

namespace aotf::test {

namespace {

using nlohmann::json;
constexpr const char* kElementKey = "element-6066-11e4-a52e-4f735466cecf";

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace

bool Browser::available() { return ::access(kChromium, X_OK) == 0 && ::access(kChromedriver, X_OK) == 0; }

Browser::Browser(const std::filesystem::path& work_dir) {
  std::filesystem::create_directories(work_dir);
  log_ = (work_dir / "chromedriver.log").string();
  port_ = free_loopback_port();
  if (port_ == 0) throw WebDriverError("no free loopback port for chromedriver");
  driver_ = ::fork();
  if (driver_ == 0) {
    const std::string port_arg = "--port=" + std::to_string(port_);
    const std::string log_arg = "--log-path=" + log_;
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    ::execl(kChromedriver, kChromedriver, port_arg.c_str(), log_arg.c_str(), "--allowed-ips=127.0.0.1",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait for chromedriver to answer /status.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    httplib::Client client("127.0.0.1", port_);
    if (auto r = client.Get("/status"); r && r->status == 200) break;
    if (std::chrono::steady_clock::now() > deadline) throw WebDriverError("chromedriver did not start; see " + log_);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const json args = {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-default-apps",
                     "--disable-extensions", "--metrics-recording-only", "--window-size=1000,900",
                     // Nothing beyond loopback: no name resolves, any other connection hits a closed port.
                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                     "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
                     "--user-data-dir=" + (work_dir / "profile").string()};
  const json session = call("POST", "/session",
                            {{"capabilities",
                              {{"alwaysMatch",
                                {{"browserName", "chrome"},
                                 {"goog:chromeOptions", {{"binary", kChromium}, {"args", args}}}}}}}});
  session_ = session.value("sessionId", "");
  if (session_.empty()) throw WebDriverError("chromedriver gave no session id: " + session.dump());
}

Browser::~Browser() {
  if (!session_.empty()) {
    try {
      call("DELETE", "/session/" + session_);
    } catch (const std::exception&) {
    }
  }
  if (driver_ > 0) {
    ::kill(driver_, SIGTERM);
    ::waitpid(driver_, nullptr, 0);
  }
}

json Browser::call(const std::string& method, const std::string& path, const json& body) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(60, 0);
  const std::string text = body.is_null() ? "{}" : body.dump();
  httplib::Result result = method == "GET"      ? client.Get(path.c_str())
                           : method == "DELETE" ? client.Delete(path.c_str())
                                                : client.Post(path.c_str(), text, "application/json");
  if (!result) throw WebDriverError(method + " " + path + ": chromedriver did not answer (" + httplib::to_string(result.error()) + ")");
  const json answer = json::parse(result->body, nullptr, false);
  if (result->status != 200 || answer.is_discarded()) {
    throw WebDriverError(method + " " + path + " → " + std::to_string(result->status) + ": " + result->body.substr(0, 500));
  }
  return answer.contains("value") ? answer["value"] : answer;
}

void Browser::open(const std::string& url) { call("POST", "/session/" + session_ + "/url", {{"url", url}}); }

std::optional<std::string> Browser::find(const std::string& css) {
  auto all = find_all(css);
  if (all.empty()) return std::nullopt;
  return all.front();
}

std::vector<std::string> Browser::find_all(const std::string& css) {
  const json found = call("POST", "/session/" + session_ + "/elements", {{"using", "css selector"}, {"value", css}});
  std::vector<std::string> out;
  for (const auto& element : found) out.push_back(element.value(kElementKey, ""));
  return out;
}

void Browser::type(const std::string& element, const std::string& text) {
  call("POST", "/session/" + session_ + "/element/" + element + "/value", {{"text", text}});
}

void Browser::click(const std::string& element) {
  call("POST", "/session/" + session_ + "/element/" + element + "/click", json::object());
}

std::string Browser::text(const std::string& element) {
  const json value = call("GET", "/session/" + session_ + "/element/" + element + "/text");
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::string Browser::attribute(const std::string& element, const std::string& name) {
  const json value = call("GET", "/session/" + session_ + "/element/" + element + "/attribute/" + name);
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::string Browser::screenshot() {
  const json value = call("GET", "/session/" + session_ + "/screenshot");
  return base64_decode(value.is_string() ? value.get<std::string>() : std::string());
}

std::string base64_decode(const std::string& text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const auto at = alphabet.find(c);
    if (at == std::string::npos) continue;  // padding, line breaks
    buffer = (buffer << 6) | static_cast<std::uint32_t>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace aotf::test
