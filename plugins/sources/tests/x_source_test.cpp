// The x source against a loopback X API v2 (tests/fixtures/sources/x_fixture.hpp).

#include <gtest/gtest.h>

#include <chrono>

#include "sources/x_fixture.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using aotf::AccountState;
using aotf::Lister;
using aotf::SourceError;
using aotf::fixtures::Fault;
using aotf::fixtures::FixtureServer;
using aotf::fixtures::ImageHost;
using aotf::fixtures::XFixture;
using aotf::fixtures::XMedia;
using aotf::fixtures::XTweet;
using aotf::sources::XOptions;
using aotf::sources::XSource;
using Clock = std::chrono::steady_clock;

class XSourceTest : public ::testing::Test {
protected:
  FixtureServer api;
  FixtureServer image_server;
  ImageHost images{image_server};
  XFixture x{api, images};

  XOptions options() {
    XOptions o;
    o.api_base_url = api.base_url();
    o.bearer_token = x.token();
    o.upstream = aotf::sources::testing::fast_upstream(aotf::sources::x_upstream_defaults());
    return o;
  }
  aotf::ResolvedAccount artist() { return {AccountState::ok, "1001", "artist"}; }

  std::vector<aotf::fixtures::RecordedRequest> requests_to(const std::string& prefix) {
    std::vector<aotf::fixtures::RecordedRequest> out;
    for (auto& r : api.requests()) {
      if (r.path.rfind(prefix, 0) == 0) out.push_back(r);
    }
    return out;
  }
};

template <typename F>
SourceError expect_source_error(SourceError::Kind kind, F&& f) {
  try {
    f();
  } catch (const SourceError& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e;
  }
  ADD_FAILURE() << "no SourceError";
  return SourceError(kind, "", "", "");
}

TEST_F(XSourceTest, ResolvesEveryAccountState) {
  x.add_account("Artist", "1001");
  x.add_account("hidden", "1002", XFixture::UserState::protected_account);
  x.add_account("banned", "1003", XFixture::UserState::suspended);
  XSource source(options());

  const auto ok = source.resolve_account("@artist", {});
  EXPECT_EQ(ok.state, AccountState::ok);
  EXPECT_EQ(ok.id, "1001");
  EXPECT_EQ(ok.name, "Artist");  // the canonical spelling
  EXPECT_EQ(source.resolve_account("hidden", {}).state, AccountState::private_account);
  EXPECT_EQ(source.resolve_account("banned", {}).state, AccountState::suspended);
  EXPECT_EQ(source.resolve_account("nobody", {}).state, AccountState::not_found);
  const auto sent = requests_to("/2/users/by/username/");
  ASSERT_EQ(sent.size(), 4U);
  EXPECT_EQ(sent[0].query, "user.fields=protected");
  EXPECT_EQ(sent[0].headers.find("Authorization")->second, "Bearer " + x.token());

  // A name X cannot have is not found without asking.
  EXPECT_EQ(source.resolve_account("not a name!", {}).state, AccountState::not_found);
  EXPECT_EQ(source.resolve_account("waytoolongforanxname", {}).state, AccountState::not_found);
  EXPECT_EQ(requests_to("/2/users/by/username/").size(), 4U);
}

TEST_F(XSourceTest, RefusedTokenNamesTheVariable) {
  x.add_account("artist", "1001");
  auto o = options();
  o.bearer_token = "wrong";
  XSource source(o);
  const auto e = expect_source_error(SourceError::Kind::Upstream, [&] { (void)source.resolve_account("artist", {}); });
  EXPECT_NE(std::string(e.what()).find("AOTF_X_BEARER_TOKEN"), std::string::npos) << e.what();
  EXPECT_EQ(std::string(e.what()).find("wrong"), std::string::npos) << "the token leaked: " << e.what();
}

TEST_F(XSourceTest, TimelineFollowsEveryPageNewestFirst) {
  x.add_account("artist", "1001");
  const auto ids = x.add_tweets("1001", 250, 2);
  XSource source(options());
  const auto listing = source.list_posts(Lister::timeline, artist(), "", {});
  ASSERT_TRUE(listing.supported);
  ASSERT_EQ(listing.posts.size(), 250U);
  EXPECT_EQ(listing.posts.front().id, ids.back());
  EXPECT_EQ(listing.posts.back().id, ids.front());
  EXPECT_EQ(listing.cursor, ids.back());
  for (std::size_t i = 1; i < listing.posts.size(); ++i) {
    ASSERT_EQ(listing.posts[i].id, ids[ids.size() - 1 - i]);
  }
  const auto& newest = listing.posts.front();
  EXPECT_EQ(newest.platform, "x");
  EXPECT_EQ(newest.account_id, "1001");
  // Seeds were given in order: 2 per tweet, the newest tweet holds the last two.
  ASSERT_EQ(newest.image_urls.size(), 2U);
  EXPECT_EQ(newest.image_urls[0], x.photo_download_url(499));
  EXPECT_EQ(newest.image_urls[1], x.photo_download_url(500));
  EXPECT_EQ(newest.published, std::chrono::sys_days(std::chrono::January / 1 / 2024) + 249min);

  const auto sent = requests_to("/2/users/1001/tweets");
  ASSERT_EQ(sent.size(), 3U);  // 100 + 100 + 50
  EXPECT_NE(sent[0].query.find("exclude=retweets"), std::string::npos);
  EXPECT_NE(sent[0].query.find("max_results=100"), std::string::npos);
  EXPECT_NE(sent[0].query.find("expansions=attachments.media_keys"), std::string::npos);
  EXPECT_NE(sent[0].query.find("media.fields=type,url"), std::string::npos);
  EXPECT_EQ(sent[0].query.find("pagination_token"), std::string::npos);
  EXPECT_NE(sent[1].query.find("pagination_token="), std::string::npos);
}

TEST_F(XSourceTest, OnlyPhotosCountAndTheirPositionFollowsTheTweet) {
  x.add_account("artist", "1001");
  XTweet mixed;
  mixed.author_id = "1001";
  mixed.media = {{"video", 0}, {"photo", 11}, {"animated_gif", 0}, {"photo", 12}, {"photo", 13}};
  const auto mixed_id = x.add_tweet(mixed);
  XTweet retweet;
  retweet.author_id = "1001";
  retweet.retweet = true;
  retweet.media = {{"photo", 21}};
  x.add_tweet(retweet);
  XTweet text_only;
  text_only.author_id = "1001";
  const auto text_id = x.add_tweet(text_only);
  XTweet five;
  five.author_id = "1001";
  five.media = {{"photo", 31}, {"photo", 32}, {"photo", 33}, {"photo", 34}, {"photo", 35}};
  x.add_tweet(five);
  XTweet newest_text;
  newest_text.author_id = "1001";
  const auto newest_id = x.add_tweet(newest_text);

  XSource source(options());
  const auto listing = source.list_posts(Lister::timeline, artist(), "", {});
  ASSERT_EQ(listing.posts.size(), 2U);  // the 5-photo tweet and the mixed one
  EXPECT_EQ(listing.posts[0].image_urls,
            (std::vector<std::string>{x.photo_download_url(31), x.photo_download_url(32), x.photo_download_url(33),
                                      x.photo_download_url(34)}));
  EXPECT_EQ(listing.posts[1].id, mixed_id);
  // includes.media comes reversed from the fixture: positions must still be 11, 12, 13.
  EXPECT_EQ(listing.posts[1].image_urls,
            (std::vector<std::string>{x.photo_download_url(11), x.photo_download_url(12), x.photo_download_url(13)}));
  // The timeline cursor is the newest item, with media or not (the original's rule).
  EXPECT_EQ(listing.cursor, newest_id);
  (void)text_id;
}

TEST_F(XSourceTest, TimelineResumesFromItsCursor) {
  x.add_account("artist", "1001");
  x.add_tweets("1001", 30, 1);
  XSource source(options());
  const auto first = source.list_posts(Lister::timeline, artist(), "", {});
  ASSERT_EQ(first.posts.size(), 30U);

  const auto added = x.add_tweets("1001", 3, 1);
  api.clear_requests();
  const auto second = source.list_posts(Lister::timeline, artist(), first.cursor, {});
  ASSERT_EQ(second.posts.size(), 3U);
  EXPECT_EQ(second.posts[0].id, added[2]);
  EXPECT_EQ(second.posts[2].id, added[0]);
  EXPECT_EQ(second.cursor, added[2]);
  ASSERT_EQ(api.requests().size(), 1U);
  EXPECT_NE(api.requests()[0].query.find("since_id=" + first.cursor), std::string::npos);

  const auto third = source.list_posts(Lister::timeline, artist(), second.cursor, {});
  EXPECT_TRUE(third.posts.empty());
  EXPECT_EQ(third.cursor, second.cursor);  // nothing new: unchanged
}

TEST_F(XSourceTest, SearchListsByCurrentNameAcrossPages) {
  x.add_account("artist", "1001");
  x.add_account("other", "2002");
  x.add_tweets("1001", 120, 1);
  x.add_tweets("2002", 5, 1);
  XSource source(options());
  const auto listing = source.list_posts(Lister::search, artist(), "", {});
  EXPECT_EQ(listing.posts.size(), 120U);
  for (const auto& p : listing.posts) ASSERT_EQ(p.account_id, "1001");
  const auto sent = requests_to("/2/tweets/search/recent");
  ASSERT_EQ(sent.size(), 2U);
  EXPECT_NE(sent[0].query.find("query=from%3Aartist%20has%3Aimages%20-is%3Aretweet"), std::string::npos) << sent[0].query;
  EXPECT_NE(sent[1].query.find("next_token="), std::string::npos);

  auto o = options();
  o.search_all = true;
  XSource archive(o);
  (void)archive.list_posts(Lister::search, artist(), listing.cursor, {});
  const auto all = requests_to("/2/tweets/search/all");
  ASSERT_EQ(all.size(), 1U);
  EXPECT_NE(all[0].query.find("since_id=" + listing.cursor), std::string::npos);
}

TEST_F(XSourceTest, SearchResumesFromADateCursorOfTheOriginalDatabase) {
  x.add_account("artist", "1001");
  x.add_tweets("1001", 3 * 24 * 60, 1);  // one a minute from 2024-01-01: three days
  auto o = options();
  o.search_all = true;
  XSource source(o);
  const auto listing = source.list_posts(Lister::search, artist(), "2024-01-03", {});
  EXPECT_EQ(listing.posts.size(), 24U * 60U);  // only the last day
  EXPECT_EQ(listing.posts.back().published, std::chrono::sys_days(std::chrono::January / 3 / 2024));
  const auto sent = requests_to("/2/tweets/search/all");
  ASSERT_FALSE(sent.empty());
  EXPECT_NE(sent[0].query.find("start_time=2024-01-03T00:00:00Z"), std::string::npos) << sent[0].query;
  EXPECT_EQ(sent[0].query.find("since_id"), std::string::npos);
  EXPECT_EQ(listing.cursor, listing.posts.front().id);  // from now on a tweet id

  // /recent cannot go back further than 7 days: an old date is dropped rather than refused.
  XSource recent(options());
  EXPECT_EQ(recent.list_posts(Lister::search, artist(), "2024-01-03", {}).posts.size(), 3U * 24U * 60U);
  EXPECT_EQ(requests_to("/2/tweets/search/recent").front().query.find("start_time"), std::string::npos);

  EXPECT_THROW((void)source.list_posts(Lister::search, artist(), "2024-13-45", {}), SourceError);
}

TEST_F(XSourceTest, RateLimitIsWaitedOutUntilTheReset) {
  x.add_account("artist", "1001");
  x.add_tweets("1001", 3, 1);
  x.rate_limit_next("/2/users/1001/tweets", 2);
  XSource source(options());
  const auto started = Clock::now();
  const auto listing = source.list_posts(Lister::timeline, artist(), "", {});
  const auto elapsed = Clock::now() - started;
  EXPECT_EQ(listing.posts.size(), 3U);
  EXPECT_EQ(requests_to("/2/users/1001/tweets").size(), 2U);
  EXPECT_GE(elapsed, 900ms);  // reset = now + 2 s in whole seconds: at least 1 s away
  EXPECT_LT(elapsed, 4s);
}

TEST_F(XSourceTest, RateLimitBeyondTheAllowedWaitFailsAtOnce) {
  x.add_account("artist", "1001");
  x.rate_limit_next("/2/users/1001/tweets", 3600);
  XSource source(options());  // allows 5 s
  const auto started = Clock::now();
  const auto e = expect_source_error(SourceError::Kind::RateLimited,
                                     [&] { (void)source.list_posts(Lister::timeline, artist(), "", {}); });
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_NE(std::string(e.what()).find("rate limit resets in"), std::string::npos) << e.what();
}

TEST_F(XSourceTest, RateLimitWaitStopsWhenAsked) {
  x.add_account("artist", "1001");
  x.rate_limit_next("/2/users/1001/tweets", 4);
  XSource source(options());
  const auto started = Clock::now();
  expect_source_error(SourceError::Kind::Stopped, [&] {
    (void)source.list_posts(Lister::timeline, artist(), "", [&] { return Clock::now() - started > 100ms; });
  });
  EXPECT_LT(Clock::now() - started, 1s);
}

TEST_F(XSourceTest, ServerErrorIsRetriedOnceThenReported) {
  x.add_account("artist", "1001");
  x.add_tweets("1001", 2, 1);
  x.inject({.path_prefix = "/2/users/1001/tweets", .status = 503, .body = R"({"title":"Service Unavailable"})"});
  XSource source(options());
  EXPECT_EQ(source.list_posts(Lister::timeline, artist(), "", {}).posts.size(), 2U);
  EXPECT_EQ(requests_to("/2/users/1001/tweets").size(), 2U);

  x.inject({.path_prefix = "/2/users/1001/tweets", .status = 500, .body = "{}", .times = 2});
  const auto e = expect_source_error(SourceError::Kind::Upstream,
                                     [&] { (void)source.list_posts(Lister::timeline, artist(), "", {}); });
  EXPECT_NE(std::string(e.what()).find("answered 500 twice"), std::string::npos) << e.what();
}

TEST_F(XSourceTest, FetchByIdsGoesByHundredsAndSkipsWhatIsGone) {
  x.add_account("artist", "1001");
  auto ids = x.add_tweets("1001", 230, 1);
  x.remove_tweet(ids[5]);
  XTweet retweet;
  retweet.author_id = "1001";
  retweet.retweet = true;
  retweet.media = {{"photo", 9999}};
  ids.push_back(x.add_tweet(retweet));
  ids.push_back("123");  // never existed
  XSource source(options());
  const auto posts = source.fetch_posts(ids, {});
  EXPECT_EQ(posts.size(), 229U);  // 230 - removed; the retweet and the unknown id absent
  EXPECT_EQ(requests_to("/2/tweets").size(), 3U);  // 232 ids by 100
  for (const auto& p : posts) ASSERT_NE(p.id, ids[5]);
  EXPECT_EQ(posts[0].image_urls.size(), 1U);
}

TEST_F(XSourceTest, FetchWithOnlyErrorsIsEmpty) {
  XSource source(options());
  EXPECT_TRUE(source.fetch_posts({"1", "2"}, {}).empty());
  EXPECT_TRUE(source.fetch_posts({"not-an-id"}, {}).empty());
  EXPECT_EQ(requests_to("/2/tweets").size(), 1U);
}

TEST_F(XSourceTest, InvalidJsonNamesPlatformAndEndpoint) {
  x.add_account("artist", "1001");
  x.inject({.path_prefix = "/2/users/1001/tweets", .status = 200, .body = "<html>oops</html>"});
  XSource source(options());
  const auto e = expect_source_error(SourceError::Kind::Malformed,
                                     [&] { (void)source.list_posts(Lister::timeline, artist(), "", {}); });
  const std::string what = e.what();
  EXPECT_EQ(e.platform(), "x");
  EXPECT_NE(what.find("x: GET /2/users/:id/tweets: the answer is not JSON"), std::string::npos) << what;
  EXPECT_NE(what.find("<html>oops"), std::string::npos) << what;
}

TEST_F(XSourceTest, MissingFieldsAreNamedWithTheirPath) {
  x.add_account("artist", "1001");
  XSource source(options());
  x.inject({.path_prefix = "/2/users/1001/tweets", .status = 200,
            .body = R"({"data":[{"id":"5","author_id":"1001","text":"x"}],"meta":{"result_count":1,"newest_id":"5"}})"});
  auto e = expect_source_error(SourceError::Kind::Malformed,
                               [&] { (void)source.list_posts(Lister::timeline, artist(), "", {}); });
  EXPECT_NE(std::string(e.what()).find("\"data[0].created_at\""), std::string::npos) << e.what();

  x.inject({.path_prefix = "/2/users/1001/tweets", .status = 200,
            .body = R"({"data":[{"id":"5","author_id":"1001","created_at":"2024-01-01T00:00:00.000Z",)"
                    R"("attachments":{"media_keys":["3_9"]}}],"meta":{"result_count":1}})"});
  e = expect_source_error(SourceError::Kind::Malformed,
                          [&] { (void)source.list_posts(Lister::timeline, artist(), "", {}); });
  EXPECT_NE(std::string(e.what()).find("media \"3_9\" of tweet 5 is not in includes.media"), std::string::npos) << e.what();

  x.inject({.path_prefix = "/2/users/1001/tweets", .status = 200, .body = R"({"data":[]})"});
  e = expect_source_error(SourceError::Kind::Malformed,
                          [&] { (void)source.list_posts(Lister::timeline, artist(), "", {}); });
  EXPECT_NE(std::string(e.what()).find("no \"meta\""), std::string::npos) << e.what();

  x.inject({.path_prefix = "/2/users/by/username/", .status = 200, .body = R"({"data":{"username":"artist"}})"});
  e = expect_source_error(SourceError::Kind::Malformed, [&] { (void)source.resolve_account("artist", {}); });
  EXPECT_NE(std::string(e.what()).find("no \"data.id\""), std::string::npos) << e.what();
}

TEST_F(XSourceTest, TruncatedAnswerIsAnHttpError) {
  x.add_account("artist", "1001");
  x.inject({.path_prefix = "/2/users/1001/tweets", .mode = Fault::Mode::Truncated, .body = R"({"data":[{"id":)"});
  XSource source(options());
  try {
    (void)source.list_posts(Lister::timeline, artist(), "", {});
    FAIL() << "expected a truncation error";
  } catch (const aotf::http::HttpError& e) {
    EXPECT_EQ(e.kind(), aotf::http::HttpError::Kind::Truncated) << e.what();
  }
}

}  // namespace
