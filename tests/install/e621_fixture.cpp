// Loopback stand-ins for the e621 plugin's test: an e621 API answering posts/<id>.json in e621's
// shape, whose post 4242 lists the artist's X post among its sources, and the X API v2 (the
// tests/fixtures XFixture) that knows that account. Prints
//   e621=<base url> x=<base url> token=<bearer token> image=<url of the post's file>
// on one line, then serves until its stdin closes. Post 777 lacks its sources (a changed layout);
// any other post is a 404.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "fixture_server.hpp"
#include "sources/image_host.hpp"
#include "sources/x_fixture.hpp"

int main() {
  using namespace aotf::fixtures;
  FixtureServer e621, x_api, images;
  ImageHost host(images);
  XFixture x(x_api, host);
  x.add_account("inkfox_draws", "7001");
  x.add_tweets("7001", 3, 1);

  const std::string file_url = host.image_url(99, "png");
  const nlohmann::json post = {
      {"post",
       {{"id", 4242},
        {"created_at", "2024-05-01T12:00:00.000-04:00"},
        {"file", {{"width", 800}, {"height", 600}, {"ext", "png"}, {"md5", "0123456789abcdef"}, {"url", file_url}}},
        {"sample", {{"has", false}, {"url", file_url}}},
        {"tags", {{"general", {"fox", "solo"}}, {"artist", {"inkfox"}}, {"species", {"fox"}}}},
        {"sources", {"https://www.furaffinity.net/view/123/", "https://x.com/InkFox_Draws/status/1780000000000000000"}},
        {"rating", "s"}}}};
  // Post 777 answers in a shape the plugin cannot read (no sources): a layout change.
  const nlohmann::json changed = {{"post", {{"id", 777}, {"tags", {{"artist", {"inkfox"}}}}, {"rating", "s"}}}};
  e621.routes().Get(R"(/posts/(\d+)\.json)", [post, changed](const httplib::Request& req, httplib::Response& res) {
    if (req.matches[1] == "777") {
      res.set_content(changed.dump(), "application/json; charset=utf-8");
      return;
    }
    if (req.matches[1] != "4242") {
      res.status = 404;
      res.set_content(R"({"success":false,"reason":"not found"})", "application/json");
      return;
    }
    res.set_content(post.dump(), "application/json; charset=utf-8");
  });

  std::cout << "e621=" << e621.base_url() << " x=" << x.base_url() << " token=" << x.token()
            << " image=" << file_url << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}
