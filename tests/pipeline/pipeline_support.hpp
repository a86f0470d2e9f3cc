#pragma once
// What the pipeline tests share: the parametrised fixture (threads mode / container processes),
// failure context for messages, and counts of the requests the fixtures received.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "pipeline_world.hpp"

namespace aotf::test {

class Pipeline : public testing::TestWithParam<bool> {
protected:
  void SetUp() override {
    const auto missing = PipelineDaemon::missing_plugins(DaemonOptions{}.plugins);
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += " " + m;
      GTEST_SKIP() << "plugins not built (AOTF_PLUGINS leaves them out):" << list;
    }
  }
  bool multiprocessing() const { return GetParam(); }
  std::string short_name() const {
    std::string n = testing::UnitTest::GetInstance()->current_test_info()->name();
    n = n.substr(0, n.find('/'));
    return n.substr(0, 12);
  }
  DaemonOptions options(std::string extra = "") const {
    DaemonOptions o;
    o.multiprocessing = multiprocessing();
    o.extra_config = std::move(extra);
    return o;
  }
};

inline std::string context(PipelineDaemon& daemon, const QueryAnswer& answer) {
  return "last answer:\n" + answer.text + "\nerror logs:\n" + daemon.all_error_logs() + "\ndaemon log (tail):\n" +
         [&] {
           const std::string log = daemon.log();
           return log.size() > 6000 ? log.substr(log.size() - 6000) : log;
         }();
}

inline std::size_t count_prefix(const fixtures::FixtureServer& server, const std::string& prefix) {
  const auto requests = server.requests();
  return static_cast<std::size_t>(std::count_if(requests.begin(), requests.end(), [&](const fixtures::RecordedRequest& r) {
    return r.path.rfind(prefix, 0) == 0;
  }));
}

// The listing endpoints of both platforms (what a scan asks; resolving a name or checking that a
// found post still exists is not a listing).
inline std::size_t listing_requests(const PipelineWorld& world) {
  return count_prefix(world.x_server, "/2/tweets/search/") +
         [&] {
           std::size_t n = 0;
           for (const auto& r : world.x_server.requests())
             if (r.path.rfind("/2/users/", 0) == 0 && r.path.ends_with("/tweets")) ++n;
           return n;
         }() +
         count_prefix(world.bluesky_server, "/xrpc/app.bsky.feed.getAuthorFeed");
}


}  // namespace aotf::test
