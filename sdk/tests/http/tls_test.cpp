// https through the same client: certificates are verified, and a private CA can be trusted.

#include <gtest/gtest.h>

#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "aotf/http/client.hpp"
#include "raw_server.hpp"

namespace {

namespace fs = std::filesystem;
using aotf::http::Client;
using aotf::http::ClientOptions;
using aotf::http::HttpError;

class TlsServer {
public:
  TlsServer() {
    dir_ = fs::temp_directory_path() / ("aotf-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    cert_ = (dir_ / "cert.pem").string();
    key_ = (dir_ / "key.pem").string();
    const std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                                "-addext subjectAltName=IP:127.0.0.1 -keyout " + key_ + " -out " + cert_ +
                                " >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl could not make a test certificate");
    server_ = std::make_unique<httplib::SSLServer>(cert_.c_str(), key_.c_str());
    server_->Get("/secure", [](const httplib::Request&, httplib::Response& res) { res.set_content("over tls", "text/plain"); });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~TlsServer() {
    server_->stop();
    thread_.join();
    fs::remove_all(dir_);
  }
  [[nodiscard]] std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/secure"; }
  [[nodiscard]] const std::string& cert() const { return cert_; }

private:
  fs::path dir_;
  std::string cert_, key_;
  std::unique_ptr<httplib::SSLServer> server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(HttpTls, UntrustedCertificateIsRefused) {
  TlsServer server;
  ClientOptions options;
  options.connect_timeout = std::chrono::seconds(2);
  options.read_timeout = std::chrono::seconds(2);
  Client client(options);
  try {
    (void)client.get(server.url());
    FAIL() << "a self-signed certificate was accepted";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), HttpError::Kind::Connect) << e.what();
    EXPECT_NE(std::string(e.what()).find("TLS failed"), std::string::npos) << e.what();
  }
}

TEST(HttpTls, TrustedCertificateAnswers) {
  TlsServer server;
  ClientOptions options;
  options.connect_timeout = std::chrono::seconds(2);
  options.read_timeout = std::chrono::seconds(2);
  options.ca_cert_file = server.cert();
  Client client(options);
  const auto response = client.get(server.url());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "over tls");
}

// A CONNECT proxy: answers 200, then relays bytes both ways between the client and the target.
void tunnel(int client, const std::string& head) {
  const auto first = head.find(' ');
  const auto second = head.find(' ', first + 1);
  if (head.rfind("CONNECT ", 0) != 0 || second == std::string::npos) return;
  const std::string authority = head.substr(first + 1, second - first - 1);
  const int port = std::stoi(authority.substr(authority.rfind(':') + 1));
  const int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(upstream);
    return;
  }
  aotf::http::testing::send_all(client, "HTTP/1.1 200 Connection established\r\n\r\n");
  char buf[16384];
  for (;;) {
    pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    if (::poll(fds, 2, 2000) <= 0) break;
    bool closed = false;
    for (int i = 0; i < 2 && !closed; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      const auto n = ::recv(fds[i].fd, buf, sizeof buf, 0);
      if (n <= 0 || !aotf::http::testing::send_all(fds[1 - i].fd, std::string(buf, static_cast<std::size_t>(n)))) closed = true;
    }
    if (closed) break;
  }
  ::close(upstream);
}

TEST(HttpTls, HttpsGoesThroughTheProxyWithConnect) {
  TlsServer server;
  aotf::http::testing::RawServer proxy(tunnel);
  ClientOptions options;
  options.connect_timeout = std::chrono::seconds(2);
  options.read_timeout = std::chrono::seconds(2);
  options.ca_cert_file = server.cert();
  options.proxy = proxy.base_url();
  Client client(options);
  const auto response = client.get(server.url());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "over tls");
  ASSERT_EQ(proxy.heads().size(), 1U);
  const std::string head = proxy.heads()[0];
  const std::string authority = server.url().substr(8, server.url().find('/', 8) - 8);
  EXPECT_EQ(head.substr(0, head.find("\r\n")), "CONNECT " + authority + " HTTP/1.1");
}

}  // namespace
