// The link multiplexer against loopback pages shaped like the real ones: which accounts each hop
// yields, the depth limit, the visited set (each page fetched once per request), the
// sensitive-content gate of Linktree, 404s and layout changes.
#include <gtest/gtest.h>

#include <thread>

#include <nlohmann/json.hpp>

#include <aotf/connectors/link_multiplexer.hpp>

#include "fixture_server.hpp"
#include "sites/art_sites.hpp"

namespace aotf {
// Readable accounts in failure messages.
inline void PrintTo(const Account& account, std::ostream* out) { *out << account.platform << ":" << account.name; }
}  // namespace aotf

namespace {

using aotf::Account;
using aotf::LinkRequest;
using aotf::LinkSource;
using aotf::fixtures::ArtSites;
using aotf::fixtures::FixturePage;
using Accounts = std::vector<Account>;

class Multiplexer : public ::testing::Test {
protected:
  Multiplexer() : sites(server), mux(client, options()) {}

  aotf::MultiplexerOptions options() const {
    aotf::MultiplexerOptions o;
    o.deviantart_base = sites.base("deviantart");
    o.pixiv_base = sites.base("pixiv");
    o.linktree_base = sites.base("linktree");
    o.patreon_base = sites.base("patreon");
    o.carrd_base = sites.base("carrd");
    o.retry.status_wait_min = o.retry.status_wait_max = std::chrono::milliseconds(1);
    o.retry.error_wait_min = o.retry.error_wait_max = std::chrono::milliseconds(1);
    return o;
  }

  std::size_t count(const std::string& path) const { return server.count(path); }

  aotf::fixtures::FixtureServer server;
  ArtSites sites;
  aotf::http::Client client;
  aotf::LinkMultiplexer mux;
};

TEST_F(Multiplexer, AccountLinksNeedNoFetch) {
  LinkRequest request;
  EXPECT_EQ(mux.follow("https://twitter.com/Inkwell", LinkSource::Page, request), (Accounts{{"x", "inkwell"}}));
  EXPECT_EQ(mux.follow("https://bsky.app/profile/inkwell.art", LinkSource::Page, request),
            (Accounts{{"bluesky", "inkwell.art"}}));
  EXPECT_TRUE(mux.follow("https://example.com/page", LinkSource::Page, request).empty());
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(Multiplexer, DisabledPlatformsYieldNothing) {
  LinkRequest request({}, {.depth_limit = 2, .platforms = {"x"}});
  EXPECT_TRUE(mux.follow("https://bsky.app/profile/inkwell.art", LinkSource::Page, request).empty());
  EXPECT_EQ(mux.follow("https://x.com/inkwell", LinkSource::Page, request), (Accounts{{"x", "inkwell"}}));
}

TEST_F(Multiplexer, DeviantArtProfileIsReadFromItsAboutSection) {
  sites.add_deviantart_profile("inkwell", {"https://www.deviantart.com/users/outgoing?https://twitter.com/InkwellDraws",
                                           "https://bsky.app/profile/inkwell.bsky.social", "/relative/ignored"});
  LinkRequest request;
  EXPECT_EQ(mux.follow("https://www.deviantart.com/inkwell", LinkSource::Page, request),
            (Accounts{{"x", "inkwelldraws"}, {"bluesky", "inkwell.bsky.social"}}));
  EXPECT_EQ(count("/sites/deviantart/inkwell/about"), 1u);
  // The same profile written another way is the same page: not fetched again in this request.
  EXPECT_TRUE(mux.follow("https://inkwell.deviantart.com/gallery", LinkSource::Page, request).empty());
  EXPECT_EQ(count("/sites/deviantart/inkwell/about"), 1u);
  // A new request starts with an empty visited set.
  LinkRequest next;
  EXPECT_EQ(mux.follow("https://inkwell.deviantart.com/", LinkSource::Page, next).size(), 2u);
  EXPECT_EQ(count("/sites/deviantart/inkwell/about"), 2u);
}

TEST_F(Multiplexer, DeviantArtOutgoingLinksAreUnwrapped) {
  sites.add_linktree("wrapped", 1, {{"https://twitter.com/wrapped_artist"}});
  LinkRequest request;
  EXPECT_EQ(mux.follow("https://www.deviantart.com/users/outgoing?https://linktr.ee/wrapped",
                       LinkSource::DeviantArtTextarea, request),
            (Accounts{{"x", "wrapped_artist"}}));
  EXPECT_EQ(count("/sites/linktree/wrapped"), 1u);
  EXPECT_TRUE(mux.follow("https://www.deviantart.com/users/outgoing?not-a-url", LinkSource::Page, request).empty());
}

TEST_F(Multiplexer, DeviantArtProfilesInADescriptionAndReservedPagesAreNotFollowed) {
  sites.add_deviantart_profile("inkwell", {"https://twitter.com/inkwell"});
  LinkRequest request;
  EXPECT_TRUE(mux.follow("https://www.deviantart.com/inkwell", LinkSource::DeviantArtTextarea, request).empty());
  EXPECT_TRUE(mux.follow("https://www.deviantart.com/tag/fantasy", LinkSource::Page, request).empty());
  EXPECT_TRUE(mux.follow("https://www.deviantart.com/daily-deviations", LinkSource::Page, request).empty());
  EXPECT_TRUE(mux.follow("https://backend.deviantart.com/oembed?url=x", LinkSource::Page, request).empty());
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(Multiplexer, DeviantArtProfileIsRetriedOn403) {
  const auto page = ArtSites::page_with_links("about", {"https://twitter.com/inkwell"}, "<section id=\"about\">",
                                              "</section>");
  sites.set_pages("/sites/deviantart/inkwell/about",
                  {FixturePage{403, "text/html", "Forbidden", {}}, FixturePage{200, "text/html", page, {}}});
  LinkRequest request;
  EXPECT_EQ(mux.follow("https://www.deviantart.com/inkwell", LinkSource::Page, request), (Accounts{{"x", "inkwell"}}));
  EXPECT_EQ(count("/sites/deviantart/inkwell/about"), 2u);
}

TEST_F(Multiplexer, AStoppingDaemonEndsTheRetryWait) {
  sites.set_page("/sites/deviantart/inkwell/about", FixturePage{403, "text/html", "Forbidden", {}});
  aotf::MultiplexerOptions slow = options();
  slow.retry.status_wait_min = slow.retry.status_wait_max = std::chrono::minutes(10);
  aotf::LinkMultiplexer patient(client, slow);
  // The daemon starts stopping once the first try is under way.
  auto polls = std::make_shared<int>(0);
  LinkRequest request({}, {.depth_limit = 2, .platforms = {"x"}, .should_stop = [polls] { return ++*polls > 1; }});
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)patient.follow("https://www.deviantart.com/inkwell", LinkSource::Page, request);
    FAIL() << "no error";
  } catch (const aotf::http::HttpError& e) {
    EXPECT_EQ(e.kind(), aotf::http::HttpError::Kind::Stopped) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  // The server records a request after answering it: give it a moment, then check there was
  // exactly one try.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (count("/sites/deviantart/inkwell/about") == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(count("/sites/deviantart/inkwell/about"), 1u);
}

TEST_F(Multiplexer, DeviantArtProfileWithoutAboutSectionIsALayoutError) {
  sites.set_page("/sites/deviantart/inkwell/about",
                 FixturePage{200, "text/html", ArtSites::page_with_links("about", {"https://twitter.com/inkwell"}), {}});
  LinkRequest request;
  try {
    (void)mux.follow("https://www.deviantart.com/inkwell", LinkSource::Page, request);
    FAIL() << "no error";
  } catch (const aotf::LayoutError& e) {
    EXPECT_EQ(e.site(), "DeviantArt");
    EXPECT_EQ(e.missing(), "section#about");
    EXPECT_NE(std::string(e.what()).find("/sites/deviantart/inkwell/about"), std::string::npos) << e.what();
  }
}

TEST_F(Multiplexer, LinktreeLinksSocialLinksAndTheSensitiveContentGate) {
  sites.add_linktree("inkwell", 4242,
                     {{"https://twitter.com/InkwellDraws"}, {"https://bsky.app/profile/inkwell.bsky.social", true},
                      {"https://www.example.com/shop"}},
                     {"https://x.com/inkwell_alt"});
  LinkRequest request;
  EXPECT_EQ(mux.follow("https://linktr.ee/inkwell", LinkSource::Page, request),
            (Accounts{{"x", "inkwelldraws"}, {"x", "inkwell_alt"}, {"bluesky", "inkwell.bsky.social"}}));
  EXPECT_EQ(count("/sites/linktree/inkwell"), 1u);
  // One POST to the gate naming the account and the gated link.
  std::vector<aotf::fixtures::RecordedRequest> posts;
  for (const auto& r : server.requests())
    if (r.method == "POST") posts.push_back(r);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].path, "/sites/linktree/api/profiles/validation/gates");
  const auto body = nlohmann::json::parse(posts[0].body);
  EXPECT_EQ(body["accountId"], 4242);
  ASSERT_EQ(body["validationInput"]["acceptedSensitiveContent"].size(), 1u);
  EXPECT_TRUE(body["requestSource"]["referrer"].is_null());
}

TEST_F(Multiplexer, LinktreeWithoutGatedLinksDoesNotCallTheGate) {
  sites.add_linktree("plain", 1, {{"https://twitter.com/plain"}});
  LinkRequest request;
  EXPECT_EQ(mux.follow("https://www.linktr.ee/plain", LinkSource::Page, request), (Accounts{{"x", "plain"}}));
  EXPECT_EQ(count("/sites/linktree/api/profiles/validation/gates"), 0u);
}

TEST_F(Multiplexer, LinktreeWithoutNextDataIsALayoutError) {
  sites.set_page("/sites/linktree/inkwell", FixturePage{200, "text/html", "<html><body><div id=\"__next\"></div></body></html>", {}});
  LinkRequest request;
  try {
    (void)mux.follow("https://linktr.ee/inkwell", LinkSource::Page, request);
    FAIL() << "no error";
  } catch (const aotf::LayoutError& e) {
    EXPECT_EQ(e.site(), "Linktree");
    EXPECT_EQ(e.missing(), "script#__NEXT_DATA__");
  }
}

TEST_F(Multiplexer, MissingPagesYieldNothing) {
  LinkRequest request;
  EXPECT_TRUE(mux.follow("https://linktr.ee/nobody", LinkSource::Page, request).empty());
  EXPECT_TRUE(mux.follow("https://www.patreon.com/nobody", LinkSource::Page, request).empty());
  EXPECT_TRUE(mux.follow("https://nobody.carrd.co/", LinkSource::Page, request).empty());
  EXPECT_TRUE(mux.follow("https://www.deviantart.com/nobody", LinkSource::Page, request).empty());
  EXPECT_EQ(count("/sites/linktree/nobody"), 1u);
  EXPECT_EQ(count("/sites/patreon/nobody"), 1u);
  EXPECT_EQ(count("/sites/carrd/nobody.carrd.co/"), 1u);
  EXPECT_EQ(count("/sites/deviantart/nobody/about"), 1u);
}

TEST_F(Multiplexer, PatreonReservedPathsAndWwwCarrdAreNotFollowed) {
  LinkRequest request;
  EXPECT_TRUE(mux.follow("https://www.patreon.com/posts/12345", LinkSource::Page, request).empty());
  EXPECT_TRUE(mux.follow("https://www.patreon.com/policy/legal", LinkSource::Page, request).empty());
  EXPECT_TRUE(mux.follow("https://www.carrd.co/", LinkSource::Page, request).empty());
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(Multiplexer, DepthLimitStopsTheThirdNestedPage) {
  // Linktree (1) → Patreon (2) → Carrd (3, beyond the limit of 2). Account links count at any depth.
  sites.add_linktree("inkwell", 1, {{"https://www.patreon.com/inkwell"}});
  sites.add_patreon("inkwell", {"https://inkwell.carrd.co/", "https://twitter.com/from_patreon"});
  sites.add_carrd("inkwell.carrd.co", {"https://twitter.com/from_carrd"});
  LinkRequest request;
  EXPECT_EQ(mux.follow("https://linktr.ee/inkwell", LinkSource::Page, request), (Accounts{{"x", "from_patreon"}}));
  EXPECT_EQ(count("/sites/linktree/inkwell"), 1u);
  EXPECT_EQ(count("/sites/patreon/inkwell"), 1u);
  EXPECT_EQ(count("/sites/carrd/inkwell.carrd.co/"), 0u);
  EXPECT_EQ(request.depth(), 0);  // every level was left, even the refused one
  // With a limit of 3 the Carrd page is read.
  LinkRequest deeper({}, {.depth_limit = 3});
  EXPECT_EQ(mux.follow("https://linktr.ee/inkwell", LinkSource::Page, deeper),
            (Accounts{{"x", "from_carrd"}, {"x", "from_patreon"}}));
  EXPECT_EQ(count("/sites/carrd/inkwell.carrd.co/"), 1u);
}

TEST_F(Multiplexer, EachPageIsFetchedOncePerRequest) {
  // Pages linking to each other and to themselves.
  sites.add_linktree("inkwell", 1,
                     {{"https://www.patreon.com/inkwell"}, {"https://patreon.com/Inkwell"}, {"https://linktr.ee/inkwell"}});
  sites.add_patreon("inkwell", {"https://linktr.ee/inkwell", "https://www.patreon.com/inkwell", "https://x.com/inkwell"});
  LinkRequest request({}, {.depth_limit = 5});
  EXPECT_EQ(mux.follow("https://linktr.ee/inkwell", LinkSource::Page, request), (Accounts{{"x", "inkwell"}}));
  EXPECT_TRUE(mux.follow("https://linktr.ee/Inkwell", LinkSource::Page, request).empty());
  EXPECT_EQ(count("/sites/linktree/inkwell"), 1u);
  EXPECT_EQ(count("/sites/patreon/inkwell"), 1u);
}

TEST_F(Multiplexer, PixivProfileWebpageSocialLinkAndBio) {
  sites.add_pixiv_user({.id = "5150",
                        .webpage = "https://inkwell.carrd.co/",
                        .twitter_url = "https://twitter.com/Inkwell_Social",
                        .comment = "commissions open! twitter: https://twitter.com/Inkwell_Bio "
                                   "https://twitter.com/second_ignored bsky: https://bsky.app/profile/inkwell.art"});
  sites.add_carrd("inkwell.carrd.co", {"https://x.com/inkwell_carrd"});
  LinkRequest request;
  EXPECT_EQ(mux.follow("https://www.pixiv.net/en/users/5150", LinkSource::Page, request),
            (Accounts{{"x", "inkwell_carrd"}, {"x", "inkwell_social"}, {"x", "inkwell_bio"}, {"bluesky", "inkwell.art"}}));
  EXPECT_EQ(count("/sites/pixiv/en/users/5150"), 1u);
  // member.php?id= is the same profile.
  EXPECT_TRUE(mux.follow("https://www.pixiv.net/member.php?id=5150", LinkSource::Page, request).empty());
  EXPECT_EQ(count("/sites/pixiv/en/users/5150"), 1u);
}

TEST_F(Multiplexer, PixivProfileWithoutSocialLinksAndForbiddenProfiles) {
  sites.add_pixiv_user({.id = "7", .webpage = std::nullopt, .twitter_url = std::nullopt, .comment = "no links"});
  sites.set_page("/sites/pixiv/en/users/8", FixturePage{403, "text/html", "Forbidden", {}});
  LinkRequest request;
  EXPECT_TRUE(mux.follow("https://www.pixiv.net/en/users/7", LinkSource::Page, request).empty());
  EXPECT_TRUE(mux.follow("https://www.pixiv.net/users/8", LinkSource::Page, request).empty());
  EXPECT_EQ(count("/sites/pixiv/en/users/8"), 1u);  // 403 is an answer here, not retried
}

// A site whose artworks are followed from booru sources; its lookup follows a Linktree.
class ArtworkSite : public aotf::Site {
public:
  explicit ArtworkSite(aotf::LinkMultiplexer& mux) : mux_(mux) {}
  std::string_view name() const override { return "artworks"; }
  bool owns(std::string_view url) const override { return url.find("deviantart.com/") != std::string_view::npos; }
  bool followed_from_booru_source() const override { return true; }
  std::optional<aotf::Artwork> lookup(std::string_view url, LinkRequest& request) override {
    ++lookups;
    depth_seen = request.depth();
    aotf::Artwork artwork;
    artwork.accounts = mux_.follow("https://linktr.ee/" + std::string(url.substr(url.rfind('/') + 1)),
                                   LinkSource::Page, request);
    return artwork;
  }
  int lookups = 0;
  int depth_seen = -1;

private:
  aotf::LinkMultiplexer& mux_;
};

TEST_F(Multiplexer, ArtworksAreFollowedOnlyFromBooruSourcesWithOneMoreLevel) {
  ArtworkSite artworks(mux);
  sites.add_linktree("piece", 1, {{"https://www.patreon.com/piece"}});
  sites.add_patreon("piece", {"https://piece.carrd.co/", "https://twitter.com/piece_patreon"});
  sites.add_carrd("piece.carrd.co", {"https://twitter.com/piece_carrd"});
  LinkRequest request({&artworks});
  const std::string artwork = "https://www.deviantart.com/someone/art/piece";
  EXPECT_TRUE(mux.follow(artwork, LinkSource::Page, request).empty());
  EXPECT_TRUE(mux.follow(artwork, LinkSource::DeviantArtTextarea, request).empty());
  EXPECT_EQ(artworks.lookups, 0);
  // Booru source (1, limit 3) → Linktree (2) → Patreon (3) → Carrd (4: refused).
  EXPECT_EQ(mux.follow(artwork, LinkSource::BooruSource, request), (Accounts{{"x", "piece_patreon"}}));
  EXPECT_EQ(artworks.lookups, 1);
  EXPECT_EQ(artworks.depth_seen, 1);
  EXPECT_EQ(count("/sites/patreon/piece"), 1u);
  EXPECT_EQ(count("/sites/carrd/piece.carrd.co/"), 0u);
  // Once per request.
  EXPECT_TRUE(mux.follow(artwork, LinkSource::BooruSource, request).empty());
  EXPECT_EQ(artworks.lookups, 1);
  // Without a site that owns it, a source artwork leads nowhere.
  LinkRequest no_sites;
  EXPECT_TRUE(mux.follow(artwork, LinkSource::BooruSource, no_sites).empty());
}

}  // namespace
