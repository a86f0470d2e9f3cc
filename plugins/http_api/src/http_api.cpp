#include "http_api.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <httplib.h>

#include <aotf/db/database.hpp>
#include <aotf/error.hpp>
#include <aotf/image/fingerprint.hpp>
#include <aotf/log.hpp>
#include <aotf/shm/pipelines.hpp>
#include <aotf/shm/segment.hpp>
#include <aotf/uploads.hpp>

#include "api_json.hpp"
#include "client_address.hpp"
#include "metrics_text.hpp"
#include "web_files.hpp"

namespace aotf::http_api {

namespace fs = std::filesystem;
using httplib::Request;
using httplib::Response;

namespace {

constexpr const char* kComponent = "http_api";
constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr const char* kTextType = "text/plain; charset=utf-8";
constexpr const char* kMethods = "GET, POST, HEAD, OPTIONS";
constexpr std::size_t kIdentifierBytes = 16;

const char* const kRootText =
    "Artists on Twitter Finder\n"
    "Veuillez lire la documentation : https://github.com/aotf-project\n"
    "Please read the documentation: https://github.com/aotf-project\n"
    "The web page of this server is at /app/\n";

void text(Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, kTextType);
}

void json(Response& res, const Json& body, int status = 200) {
  res.status = status;
  res.set_content(body.dump(), kJsonType);
}

std::string status_reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<std::string> normalized(const std::vector<std::string>& addresses) {
  std::vector<std::string> out;
  for (const auto& address : addresses) {
    const std::string n = normalize_ip(address);
    out.push_back(n.empty() ? address : n);
  }
  return out;
}

bool is_identifier(std::string_view text) {
  return text.size() == 2 * kIdentifierBytes &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string new_identifier() {
  unsigned char bytes[kIdentifierBytes];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("http_api: getrandom failed while making an upload identifier: " + std::string(std::strerror(errno)));
    }
    got += static_cast<std::size_t>(n);
  }
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

// Writes the uploaded image where step 3 reads it: a temporary name renamed into place, in a
// folder only the daemon's user can read.
void write_upload(const HostInfo& host, const std::string& identifier, const std::string& body) {
  const fs::path dir = uploads_dir(host);
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  const fs::path final_path = upload_path(host, identifier);
  const fs::path part = final_path.string() + ".part";
  {
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.flush();
    if (!out) throw Error("http_api: cannot write the uploaded image to " + part.string());
  }
  fs::rename(part, final_path);
}

// Shuts down every accepted connection of this process on `port` (after Server::stop()), so a
// client that sends a byte now and then cannot hold a worker, and the stage's exit, forever.
void shutdown_connections_on_port(int port) {
  DIR* fds = ::opendir("/proc/self/fd");
  if (!fds) return;
  while (const dirent* entry = ::readdir(fds)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == ::dirfd(fds)) continue;
    struct stat st {};
    if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage local{};
    socklen_t local_size = sizeof local;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &local_size) != 0) continue;
    int local_port = -1;
    if (local.ss_family == AF_INET) local_port = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    if (local.ss_family == AF_INET6) local_port = ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
    if (local_port != port) continue;
    sockaddr_storage peer{};
    socklen_t peer_size = sizeof peer;
    if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0) continue;
    ::shutdown(static_cast<int>(fd), SHUT_RDWR);  // the worker's read returns; it closes the fd
  }
  ::closedir(fds);
}

class Api {
public:
  Api(StageContext& ctx, const Settings& settings)
      : ctx_(ctx),
        settings_(settings),
        trusted_(normalized(settings.trusted_proxies)),
        unlimited_(normalized(settings.unlimited_ip_addresses)),
        advanced_(normalized(settings.advanced_ip_addresses)),
        limit_{settings.limit_per_ip_address, unlimited_},
        web_(WebFiles::load(settings.web_root)) {
    if (!web_.problem().empty()) log_warning(kComponent, web_.problem() + "; /app/ answers 404");
  }

  void install(httplib::Server& server) {
    server.set_default_headers({{"Server", "Artists on Twitter Finder"}, {"Access-Control-Allow-Origin", "*"}});
    server.Get("/", limited(&Api::root));
    server.Get("/query", limited(&Api::query));
    server.Post("/query", limited(&Api::query));
    server.Get("/search", limited(&Api::search));
    server.Post("/search", limited(&Api::search));
    server.Get("/stats", unlimited(&Api::stats));
    server.Post("/stats", unlimited(&Api::stats));
    server.Get("/config", unlimited(&Api::config));
    server.Post("/config", unlimited(&Api::config));
    server.Get("/health", unlimited(&Api::health));
    server.Get("/metrics", unlimited(&Api::metrics));
    server.Get("/app", [](const Request&, Response& res) {
      res.status = 302;
      res.set_header("Location", "/app/");
    });
    server.Get(R"(/app/(.*))", unlimited(&Api::web_file));
    server.Get(".*", limited(&Api::not_found));
    server.Post(".*", limited(&Api::not_found));
    server.Options(".*", [](const Request&, Response& res) {
      res.status = 200;
      res.set_header("Allow", kMethods);
      res.set_header("Access-Control-Allow-Methods", kMethods);
      res.set_header("Access-Control-Allow-Headers", "Content-Type");
    });
    server.set_error_handler([this](const Request& req, Response& res) { on_error(req, res); });
    server.set_exception_handler([](const Request& req, Response& res, std::exception_ptr error) {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      log_error(kComponent, req.method + " " + req.path + " failed: " + what);
      text(res, 500, "500 Internal Server Error");
    });
    server.set_logger([this](const Request& req, const Response& res) {
      answered_.fetch_add(1, std::memory_order_relaxed);
      if (log_level() > LogLevel::Debug) return;
      log_debug(kComponent, "[HTTP] " + client_of(req) + " " + local_timestamp() + " " + req.method + " " +
                                req.path + " " + std::to_string(res.status));
    });
  }

private:
  using Method = void (Api::*)(const Request&, Response&, const std::string& ip);

  [[nodiscard]] std::string client_of(const Request& req) const {
    return client_address(req.remote_addr, req.get_header_value("X-Forwarded-For"), trusted_);
  }

  // Every path except /stats, /config, /health, /metrics, OPTIONS and the web page's files is
  // rate limited per address, before anything else (so /search answers 429 before 403).
  httplib::Server::Handler limited(Method method) {
    return [this, method](const Request& req, Response& res) {
      const std::string ip = client_of(req);
      if (settings_.rate_limit_interval_ms > 0 &&
          !shm::RateLimiter(ctx_.segment()).allow(ip, shm::wall_ms(), settings_.rate_limit_interval_ms)) {
        rate_limited_.fetch_add(1, std::memory_order_relaxed);
        text(res, 429, "429 Too Many Requests");
        return;
      }
      (this->*method)(req, res, ip);
    };
  }
  httplib::Server::Handler unlimited(Method method) {
    return [this, method](const Request& req, Response& res) { (this->*method)(req, res, client_of(req)); };
  }

  void root(const Request&, Response& res, const std::string&) { text(res, 200, kRootText); }
  void not_found(const Request&, Response& res, const std::string&) { text(res, 404, "404 Not Found"); }

  void launch_failed(Response& res, const std::string& what, const std::string& key) {
    log_warning(kComponent, "cannot create the request for " + key.substr(0, 120) + ": " + what);
    json(res, error_json(shm::UserError::ProcessingError), 503);
  }

  void query(const Request& req, Response& res, const std::string& ip) {
    std::string url;
    if (req.method == "POST") {
      if (req.body.empty()) return json(res, error_json(shm::UserError::NoUrlField));
      // The body is a URL of at most max_url_length characters, so at most 4 bytes each.
      if (req.body.size() > 4 * settings_.max_url_length) return json(res, error_json(shm::UserError::UrlTooLong));
      url = req.body;
    } else {
      if (!req.has_param("url")) return json(res, error_json(shm::UserError::NoUrlField));
      url = req.get_param_value("url");
      if (url.empty()) return json(res, error_json(shm::UserError::NoUrlField));
    }
    const auto length = utf8_length(url);
    if (!length) return json(res, error_json(shm::UserError::NotAnUrl));
    if (*length > settings_.max_url_length || url.size() > shm::kMaxInputUrl) {
      return json(res, error_json(shm::UserError::UrlTooLong));
    }
    try {
      const auto outcome = shm::UserRequests(ctx_.segment()).launch(url, ip, limit_);
      if (outcome.refused != shm::UserError::None) return json(res, error_json(outcome.refused));
      res.status = 200;
      res.set_content(body_of(outcome.request), kJsonType);
    } catch (const shm::PipelineError& e) {
      launch_failed(res, e.what(), url);
    }
  }

  // The JSON of a request. A finished request never changes until it is shed (a request created
  // again later has another slot generation or finish time), so its text is kept and served again:
  // clients poll finished requests far more often than anything else.
  std::string body_of(const shm::UserRequestSnapshot& request) {
    if (request.status != shm::UserStatus::End) return request_json(request).dump();
    {
      std::lock_guard lock(finished_mutex_);
      const auto it = finished_.find(request.input_url);
      if (it != finished_.end() && it->second.slot == request.ref.slot &&
          it->second.generation == request.ref.generation && it->second.finished_ms == request.finished_ms) {
        return it->second.body;
      }
    }
    std::string body = request_json(request).dump();
    std::lock_guard lock(finished_mutex_);
    if (finished_.size() >= kFinishedBodies) finished_.clear();  // bounded; refilled by the next polls
    finished_[request.input_url] = {request.ref.slot, request.ref.generation, request.finished_ms, body};
    return body;
  }

  static Json with_identifier(Json body, const std::optional<std::string>& identifier) {
    body["identifier"] = identifier ? Json(*identifier) : Json(nullptr);
    return body;
  }

  void search(const Request& req, Response& res, const std::string& ip) {
    if (!contains(advanced_, ip)) return text(res, 403, "403 Forbidden");
    if (req.method != "POST") {
      if (!req.has_param("identifier")) {
        return json(res, with_identifier(error_json(shm::UserError::IdentifierMissing), std::nullopt));
      }
      const std::string identifier = req.get_param_value("identifier");
      std::optional<shm::UserRequestSnapshot> request;
      if (is_identifier(identifier)) request = shm::UserRequests(ctx_.segment()).get_direct(identifier);
      if (!request) return json(res, with_identifier(error_json(shm::UserError::NoSuchRequest), std::nullopt));
      return json(res, with_identifier(request_json(*request), identifier));
    }
    if (req.body.empty()) return json(res, with_identifier(error_json(shm::UserError::ImageMissing), std::nullopt));
    if (req.body.size() > settings_.max_body_bytes) {
      return json(res, with_identifier(error_json(shm::UserError::QueryImageTooBig), std::nullopt));
    }
    const std::string account = req.has_param("account_name") ? req.get_param_value("account_name") : "";
    if (account.size() > shm::kMaxAccountName || !utf8_length(account) ||
        std::any_of(account.begin(), account.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
      return json(res, with_identifier(error_json(shm::UserError::InvalidTwitterAccount), std::nullopt));
    }
    const std::string identifier = new_identifier();
    try {
      write_upload(ctx_.host(), identifier, req.body);
    } catch (const std::exception& e) {
      log_error(kComponent, std::string("cannot store an uploaded image: ") + e.what());
      return json(res, with_identifier(error_json(shm::UserError::ProcessingError), std::nullopt), 500);
    }
    std::error_code ignored;
    try {
      const auto outcome = shm::UserRequests(ctx_.segment()).launch_direct(identifier, account, ip, limit_);
      if (outcome.refused != shm::UserError::None) {
        fs::remove(upload_path(ctx_.host(), identifier), ignored);
        return json(res, with_identifier(error_json(outcome.refused), std::nullopt));
      }
      json(res, with_identifier(request_json(outcome.request), identifier));
    } catch (const shm::PipelineError& e) {
      fs::remove(upload_path(ctx_.host(), identifier), ignored);
      launch_failed(res, e.what(), "an uploaded image");
    }
  }

  // The database connection of /stats and /health, opened on first use (one connection for the
  // whole server, used under stats_mutex_).
  db::Database& database() {
    if (!db_) db_.emplace(db::Database::of_daemon(ctx_.host()));
    return *db_;
  }

  void stats(const Request&, Response& res, const std::string&) {
    std::lock_guard lock(stats_mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (stats_body_.empty() || now - stats_at_ >= std::chrono::seconds(settings_.stats_cache_s)) {
      try {
        auto& db = database();
        const auto counts = shm::pipeline_counts(ctx_.segment());
        stats_body_ = Json{
            {"indexed_tweets_count", db.count_posts()},
            {"indexed_accounts_count", db.count_accounts()},
            {"processing_user_requests_count", counts.processing_user},
            {"processing_scan_requests_count", counts.processing_scan},
            {"pending_tweets_count", counts.step_c},
        }.dump();
        stats_at_ = now;
      } catch (const std::exception& e) {
        db_.reset();
        log_warning(kComponent, std::string("/stats: ") + e.what());
        return text(res, 503, "503 Service Unavailable: the database cannot be read");
      }
    }
    res.status = 200;
    res.set_content(stats_body_, kJsonType);
  }

  void config(const Request&, Response& res, const std::string& ip) {
    json(res, Json{
                  {"limit_per_ip_address", settings_.limit_per_ip_address},
                  {"ip_can_bypass_limit", contains(unlimited_, ip)},
                  {"ip_can_use_advanced", contains(advanced_, ip)},
                  {"update_accounts_frequency", settings_.update_accounts_frequency_days > 0
                                                    ? Json(settings_.update_accounts_frequency_days)
                                                    : Json(nullptr)},
                  {"max_illust_url_size", settings_.max_url_length},
              });
  }

  void health(const Request&, Response& res, const std::string&) {
    Json db_state = {{"reachable", true}, {"error", nullptr}};
    {
      std::lock_guard lock(stats_mutex_);
      try {
        (void)database().schema_version();
      } catch (const std::exception& e) {
        db_.reset();
        db_state = {{"reachable", false}, {"error", e.what()}};
      }
    }
    Json quarantined = Json::array();
    for (const auto& process : ctx_.segment().processes()) {
      if (process.state == shm::ProcessState::Quarantined) {
        quarantined.push_back({{"container", process.container}, {"pid", process.pid}, {"restarts", process.restarts}});
      }
    }
    const bool ok = db_state["reachable"].get<bool>() && quarantined.empty() && ctx_.segment().running();
    json(res, Json{{"ok", ok}, {"database", db_state}, {"quarantined_containers", quarantined}}, ok ? 200 : 503);
  }

  void metrics(const Request&, Response& res, const std::string&) {
    MetricsInput input;
    input.counts = shm::pipeline_counts(ctx_.segment());
    input.series = ctx_.segment().metrics();
    input.processes = ctx_.segment().processes();
    input.workers = ctx_.segment().workers();
    input.user_census = shm::UserRequests(ctx_.segment()).census();
    input.http_requests = answered_.load(std::memory_order_relaxed);
    input.http_rate_limited = rate_limited_.load(std::memory_order_relaxed);
    res.status = 200;
    res.set_content(metrics_text(input), "text/plain; version=0.0.4; charset=utf-8");
  }

  void web_file(const Request& req, Response& res, const std::string&) {
    const WebFile* file = web_.find(req.matches.size() > 1 ? req.matches[1].str() : std::string());
    if (!file) return text(res, 404, "404 Not Found");
    res.status = 200;
    res.set_header("Cache-Control", "no-cache");
    res.set_content(file->content, file->content_type);
  }

  // Answers cpp-httplib produced itself (malformed request, body over the limit, URI too long):
  // a text body naming the status; a body over the limit on /query or /search gets the JSON the
  // original gave (URL_TOO_LONG, QUERY_IMAGE_TOO_BIG) and the connection is closed, since the
  // rest of the body was not read.
  void on_error(const Request& req, Response& res) {
    if (!res.body.empty()) return;  // one of our own answers (403, 404, 429 ...)
    if (res.status == 413 && (req.path == "/query" || req.path == "/search")) {
      res.set_header("Connection", "close");
      const auto error = req.path == "/query" ? shm::UserError::UrlTooLong : shm::UserError::QueryImageTooBig;
      Json body = error_json(error);
      if (req.path == "/search") body["identifier"] = nullptr;
      return json(res, body, 200);
    }
    text(res, res.status, std::to_string(res.status) + " " + status_reason(res.status));
  }

  StageContext& ctx_;
  const Settings& settings_;
  const std::vector<std::string> trusted_, unlimited_, advanced_;
  const shm::IpLimit limit_;
  const WebFiles web_;
  std::atomic<std::uint64_t> answered_{0}, rate_limited_{0};

  struct FinishedBody {
    std::uint32_t slot = 0, generation = 0;
    std::int64_t finished_ms = 0;
    std::string body;
  };
  static constexpr std::size_t kFinishedBodies = 4096;
  std::mutex finished_mutex_;
  std::unordered_map<std::string, FinishedBody> finished_;

  std::mutex stats_mutex_;
  std::optional<db::Database> db_;
  std::string stats_body_;
  std::chrono::steady_clock::time_point stats_at_{};
};

void write_port_file(const fs::path& data_dir, int port) {
  const fs::path file = port_file(data_dir);
  const fs::path part = file.string() + ".part";
  {
    std::ofstream out(part, std::ios::trunc);
    out << port << "\n";
    if (!out) throw Error("http_api: cannot write " + part.string());
  }
  fs::rename(part, file);
}

}  // namespace

fs::path port_file(const fs::path& data_dir) { return data_dir / "http_port"; }

Settings settings_from(const ConfigView& config, const fs::path& default_web_root) {
  Settings s;
  s.listen_address = config.string("listen_address");
  s.port = static_cast<int>(config.integer("port"));
  s.threads = static_cast<int>(config.integer("threads"));
  s.trusted_proxies = config.strings("trusted_proxies");
  s.limit_per_ip_address = static_cast<std::uint32_t>(config.integer("limit_per_ip_address"));
  s.unlimited_ip_addresses = config.strings("unlimited_ip_addresses");
  s.advanced_ip_addresses = config.strings("advanced_ip_addresses");
  s.rate_limit_interval_ms = config.integer("rate_limit_interval_ms");
  s.max_url_length = static_cast<std::size_t>(config.integer("max_url_length"));
  s.max_body_bytes = static_cast<std::size_t>(config.integer("max_body_bytes"));
  s.stats_cache_s = static_cast<int>(config.integer("stats_cache_s"));
  s.update_accounts_frequency_days = config.integer("update_accounts_frequency_days");
  s.read_timeout_s = static_cast<int>(config.integer("read_timeout_s"));
  s.keep_alive_max_count = static_cast<int>(config.integer("keep_alive_max_count"));
  s.web_root = config.string("web_root").empty() ? default_web_root : fs::path(config.string("web_root"));
  return s;
}

void serve(StageContext& ctx, const Settings& settings) {
  Api api(ctx, settings);
  httplib::Server server;
  const auto threads = static_cast<std::size_t>(settings.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_read_timeout(settings.read_timeout_s, 0);
  server.set_write_timeout(settings.read_timeout_s, 0);
  server.set_keep_alive_timeout(settings.read_timeout_s);
  server.set_keep_alive_max_count(static_cast<std::size_t>(settings.keep_alive_max_count));
  // One byte over the image limit is read in full, so POST /search can answer QUERY_IMAGE_TOO_BIG
  // itself; anything longer is refused from its Content-Length before it is read (on_error).
  server.set_payload_max_length(settings.max_body_bytes + 1);
  server.set_tcp_nodelay(true);
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which would let a second daemon
  // (or a stale configuration) bind the same port silently and take half of the connections.
  server.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  api.install(server);

  int port = settings.port;
  if (port == 0) {
    port = server.bind_to_any_port(settings.listen_address);
  } else if (!server.bind_to_port(settings.listen_address, port)) {
    port = -1;
  }
  if (port <= 0) {
    throw Error("http_api: cannot listen on " + settings.listen_address + ":" + std::to_string(settings.port) +
                " (address in use or not local?); change [plugins.http_api] listen_address or port");
  }
  write_port_file(ctx.host().data_dir, port);
  log_info(kComponent, "listening on http://" +
                           (settings.listen_address.find(':') != std::string::npos ? "[" + settings.listen_address + "]"
                                                                                    : settings.listen_address) +
                           ":" + std::to_string(port) + "/ with " + std::to_string(threads) + " threads");
  ctx.ready();

  // cpp-httplib's stop() does nothing until listen_after_bind() runs, so keep asking until it
  // returned; then cut connections a slow client still holds so the pool's threads can be joined.
  std::atomic<bool> listen_returned{false};
  std::thread stopper([&] {
    while (ctx.running() && !listen_returned.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    while (!listen_returned.load()) {
      server.stop();
      shutdown_connections_on_port(port);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const bool clean = server.listen_after_bind();
  listen_returned.store(true);
  stopper.join();
  if (!clean && ctx.running()) throw Error("http_api: the server on port " + std::to_string(port) + " stopped listening");
  log_info(kComponent, "stopped listening on port " + std::to_string(port));
}

}  // namespace aotf::http_api
