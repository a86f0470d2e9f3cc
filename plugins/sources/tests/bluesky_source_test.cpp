// The bluesky source against a loopback AppView (tests/fixtures/sources/bluesky_fixture.hpp).

#include <gtest/gtest.h>

#include <chrono>

#include "sources/bluesky_fixture.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using aotf::AccountState;
using aotf::Lister;
using aotf::SourceError;
using aotf::fixtures::BlueskyFixture;
using aotf::fixtures::BlueskyPost;
using aotf::fixtures::FixtureServer;
using aotf::fixtures::ImageHost;
using aotf::sources::BlueskyOptions;
using aotf::sources::BlueskySource;
using Clock = std::chrono::steady_clock;

constexpr const char* kDid = "did:plc:artist1234567890abcdefgh";

class BlueskySourceTest : public ::testing::Test {
protected:
  FixtureServer appview;
  FixtureServer image_server;
  ImageHost images{image_server};
  BlueskyFixture bsky{appview, images};

  BlueskyOptions options() {
    BlueskyOptions o;
    o.appview_base_url = appview.base_url();
    o.upstream = aotf::sources::testing::fast_upstream(aotf::sources::bluesky_upstream_defaults());
    return o;
  }
  aotf::ResolvedAccount artist() { return {AccountState::ok, kDid, "artist.bsky.social"}; }
  std::size_t feed_requests() { return appview.count("/xrpc/app.bsky.feed.getAuthorFeed"); }
};

TEST_F(BlueskySourceTest, ResolvesEveryAccountState) {
  bsky.add_account("artist.bsky.social", kDid);
  bsky.add_account("banned.bsky.social", "did:plc:banned", BlueskyFixture::ActorState::takendown);
  bsky.add_account("gone.bsky.social", "did:plc:gone", BlueskyFixture::ActorState::deactivated);
  BlueskySource source(options());

  const auto ok = source.resolve_account("@Artist.bsky.social", {});
  EXPECT_EQ(ok.state, AccountState::ok);
  EXPECT_EQ(ok.id, kDid);
  EXPECT_EQ(ok.name, "artist.bsky.social");
  EXPECT_EQ(source.resolve_account("banned.bsky.social", {}).state, AccountState::suspended);
  EXPECT_EQ(source.resolve_account("gone.bsky.social", {}).state, AccountState::not_found);
  EXPECT_EQ(source.resolve_account("nobody.bsky.social", {}).state, AccountState::not_found);
  const auto sent = appview.requests();
  ASSERT_EQ(sent.size(), 4U);
  EXPECT_EQ(sent[0].path, "/xrpc/app.bsky.actor.getProfile");
  EXPECT_EQ(sent[0].query, "actor=artist.bsky.social");
  EXPECT_EQ(sent[0].headers.count("Authorization"), 0U);  // public AppView: no credentials
}

TEST_F(BlueskySourceTest, HasNoSearchLister) {
  BlueskySource source(options());
  EXPECT_FALSE(source.has_lister(Lister::search));
  EXPECT_TRUE(source.has_lister(Lister::timeline));
  const auto listing = source.list_posts(Lister::search, artist(), "kept", {});
  EXPECT_FALSE(listing.supported);
  EXPECT_TRUE(listing.posts.empty());
  EXPECT_EQ(listing.cursor, "kept");
  EXPECT_TRUE(appview.requests().empty());
}

TEST_F(BlueskySourceTest, TimelineFollowsEveryPageAndKeepsOnlyTheAuthorsPhotos) {
  bsky.add_account("artist.bsky.social", kDid);
  bsky.add_account("friend.bsky.social", "did:plc:friend");
  const auto uris = bsky.add_posts(kDid, 230, 3);
  const auto friends = bsky.add_posts("did:plc:friend", 2, 1);
  bsky.add_repost(kDid, friends[0]);  // in the artist's feed, not the artist's work
  BlueskyPost quote;
  quote.author_did = kDid;
  quote.record_with_media = true;
  quote.image_seeds = {7001, 7002};
  const auto quote_uri = bsky.add_post(quote);
  BlueskyPost video;
  video.author_did = kDid;
  video.video = true;
  bsky.add_post(video);
  BlueskyPost text;
  text.author_did = kDid;
  bsky.add_post(text);

  BlueskySource source(options());
  const auto listing = source.list_posts(Lister::timeline, artist(), "", {});
  ASSERT_TRUE(listing.supported);
  ASSERT_EQ(listing.posts.size(), 231U);
  EXPECT_EQ(listing.posts[0].id, quote_uri);
  EXPECT_EQ(listing.posts[0].image_urls,
            (std::vector<std::string>{bsky.fullsize_url(kDid, 7001), bsky.fullsize_url(kDid, 7002)}));
  EXPECT_EQ(listing.posts[1].id, uris.back());
  EXPECT_EQ(listing.posts.back().id, uris.front());
  for (const auto& p : listing.posts) {
    ASSERT_EQ(p.platform, "bluesky");
    ASSERT_EQ(p.account_id, kDid);
    ASSERT_NE(p.id, friends[0]);
  }
  EXPECT_EQ(listing.posts[1].image_urls.size(), 3U);
  // Seeds start at 100000, 3 per post: the first post holds 100000..100002.
  EXPECT_EQ(listing.posts.back().image_urls[2], bsky.fullsize_url(kDid, 100'002));
  EXPECT_EQ(listing.posts.back().published, std::chrono::sys_days(std::chrono::January / 1 / 2024) + 1min);
  // The cursor is the newest own post's record key (the video post: newer than the quote).
  EXPECT_EQ(listing.cursor.size(), 13U);
  EXPECT_GT(listing.cursor, aotf::sources::record_key(quote_uri));

  const auto sent = appview.requests();
  EXPECT_EQ(feed_requests(), 3U);  // 234 media items (230 + repost + quote + video) by 100
  EXPECT_NE(sent[0].query.find("actor=did%3Aplc%3Aartist"), std::string::npos) << sent[0].query;
  EXPECT_NE(sent[0].query.find("filter=posts_with_media"), std::string::npos);
  EXPECT_NE(sent[0].query.find("limit=100"), std::string::npos);
  EXPECT_NE(sent[1].query.find("cursor="), std::string::npos);
}

TEST_F(BlueskySourceTest, TimelineResumesAndStopsPagingAtTheCursor) {
  bsky.add_account("artist.bsky.social", kDid);
  bsky.add_posts(kDid, 250, 1);
  BlueskySource source(options());
  const auto first = source.list_posts(Lister::timeline, artist(), "", {});
  ASSERT_EQ(first.posts.size(), 250U);

  const auto added = bsky.add_posts(kDid, 2, 1);
  appview.clear_requests();
  const auto second = source.list_posts(Lister::timeline, artist(), first.cursor, {});
  ASSERT_EQ(second.posts.size(), 2U);
  EXPECT_EQ(second.posts[0].id, added[1]);
  EXPECT_EQ(second.posts[1].id, added[0]);
  EXPECT_EQ(second.cursor, aotf::sources::record_key(added[1]));
  EXPECT_EQ(feed_requests(), 1U);  // older pages are not fetched again

  const auto third = source.list_posts(Lister::timeline, artist(), second.cursor, {});
  EXPECT_TRUE(third.posts.empty());
  EXPECT_EQ(third.cursor, second.cursor);
}

TEST_F(BlueskySourceTest, RateLimitIsWaitedOutUntilTheReset) {
  bsky.add_account("artist.bsky.social", kDid);
  bsky.add_posts(kDid, 2, 1);
  bsky.rate_limit_next("/xrpc/app.bsky.feed.getAuthorFeed", 2);
  BlueskySource source(options());
  const auto started = Clock::now();
  EXPECT_EQ(source.list_posts(Lister::timeline, artist(), "", {}).posts.size(), 2U);
  EXPECT_GE(Clock::now() - started, 900ms);
  EXPECT_EQ(feed_requests(), 2U);
}

TEST_F(BlueskySourceTest, FetchByUrisGoesByTwentyFive) {
  bsky.add_account("artist.bsky.social", kDid);
  auto uris = bsky.add_posts(kDid, 60, 2);
  bsky.remove_post(uris[10]);
  uris.push_back("at://" + std::string(kDid) + "/app.bsky.feed.post/3zzzzzzzzzzzz");  // never existed
  uris.push_back("https://bsky.app/profile/x/post/1");                               // not a post URI
  BlueskySource source(options());
  const auto posts = source.fetch_posts(uris, {});
  EXPECT_EQ(posts.size(), 59U);
  EXPECT_EQ(appview.count("/xrpc/app.bsky.feed.getPosts"), 3U);  // 61 valid URIs by 25
  const auto first = appview.requests().at(0);
  EXPECT_EQ(first.query.rfind("uris=at%3A%2F%2Fdid%3Aplc%3Aartist", 0), 0U) << first.query;
  for (const auto& p : posts) ASSERT_EQ(p.image_urls.size(), 2U);
}

TEST_F(BlueskySourceTest, MalformedAnswersNameWhatIsMissing) {
  bsky.add_account("artist.bsky.social", kDid);
  BlueskySource source(options());
  bsky.inject({.path_prefix = "/xrpc/app.bsky.feed.getAuthorFeed", .status = 200, .body = "{\"feed\": [tru"});
  try {
    (void)source.list_posts(Lister::timeline, artist(), "", {});
    FAIL();
  } catch (const SourceError& e) {
    EXPECT_EQ(e.kind(), SourceError::Kind::Malformed);
    EXPECT_NE(std::string(e.what()).find("bluesky: app.bsky.feed.getAuthorFeed: the answer is not JSON"), std::string::npos)
        << e.what();
  }
  bsky.inject({.path_prefix = "/xrpc/app.bsky.feed.getAuthorFeed", .status = 200,
               .body = R"({"feed":[{"post":{"author":{"did":"did:plc:artist1234567890abcdefgh"},"record":{}}}]})"});
  try {
    (void)source.list_posts(Lister::timeline, artist(), "", {});
    FAIL();
  } catch (const SourceError& e) {
    EXPECT_NE(std::string(e.what()).find("no \"feed[0].post.uri\""), std::string::npos) << e.what();
  }
  bsky.inject({.path_prefix = "/xrpc/app.bsky.actor.getProfile", .status = 200, .body = R"({"handle":"a.b"})"});
  try {
    (void)source.resolve_account("a.b", {});
    FAIL();
  } catch (const SourceError& e) {
    EXPECT_NE(std::string(e.what()).find("bluesky: app.bsky.actor.getProfile: the answer has no \"did\""), std::string::npos)
        << e.what();
  }
}

}  // namespace
