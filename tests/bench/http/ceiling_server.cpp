// The benchmark's ceiling: a minimal cpp-httplib server with the same worker pool, timeouts and
// keep-alive settings as the http_api plugin, answering every GET with a constant body (the
// aotfd answer being measured, so both send the same bytes).
// Usage: http_ceiling_server BODY_FILE PORT_FILE [THREADS]
#include <fstream>
#include <iostream>
#include <iterator>

#include <httplib.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: http_ceiling_server BODY_FILE PORT_FILE [THREADS]\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "http_ceiling_server: cannot read " << argv[1] << "\n";
    return 2;
  }
  const std::string body((std::istreambuf_iterator<char>(in)), {});
  const std::size_t threads = argc > 3 ? std::stoul(argv[3]) : 8;
  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_timeout(5);
  server.set_keep_alive_max_count(100);
  server.set_tcp_nodelay(true);
  server.set_default_headers({{"Server", "Artists on Twitter Finder"}, {"Access-Control-Allow-Origin", "*"}});
  server.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json; charset=utf-8");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::cerr << "http_ceiling_server: cannot listen on 127.0.0.1\n";
    return 1;
  }
  std::ofstream(std::string(argv[2]) + ".part") << port << "\n";
  std::rename((std::string(argv[2]) + ".part").c_str(), argv[2]);
  return server.listen_after_bind() ? 0 : 1;
}
