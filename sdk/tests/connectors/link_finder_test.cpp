// The Link Finder's validation, routing and outcome codes, and how it cleans the account list.
#include <gtest/gtest.h>

#include <aotf/connectors/link_finder.hpp>

namespace aotf {
// Readable accounts in failure messages.
inline void PrintTo(const Account& account, std::ostream* out) { *out << account.platform << ":" << account.name; }
}  // namespace aotf

namespace {

using aotf::Account;
using aotf::Artwork;
using aotf::LinkFinder;
using aotf::LinkFinderCode;
using aotf::LinkRequest;

// A site answering from a table: URL → artwork (or "not an artwork" when absent).
class TableSite : public aotf::Site {
public:
  TableSite(std::string name, std::string domain) : name_(std::move(name)), domain_(std::move(domain)) {}
  std::string_view name() const override { return name_; }
  bool owns(std::string_view url) const override { return url.find(domain_) != std::string_view::npos; }
  std::optional<Artwork> lookup(std::string_view url, LinkRequest&) override {
    seen.emplace_back(url);
    if (layout_changed) throw aotf::LayoutError(name_, "div#content", std::string(url));
    auto it = artworks.find(std::string(url));
    if (it == artworks.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, Artwork> artworks;
  std::vector<std::string> seen;
  bool layout_changed = false;

private:
  std::string name_;
  std::string domain_;
};

class LinkFinderTest : public ::testing::Test {
protected:
  TableSite gallery{"gallery", "gallery.example.org/"};
  TableSite booru{"booru", "booru.example.org/"};
  LinkFinder finder{{&gallery, &booru}};
};

TEST_F(LinkFinderTest, NotAnUrl) {
  for (const char* input : {"", "hello", "gallery.example.org", "https://gallery.example.org", "javascript:alert(1)"}) {
    const auto result = finder.find(input);
    EXPECT_EQ(result.code, LinkFinderCode::NotAnUrl) << input;
    EXPECT_EQ(to_string(result.code), "NOT_AN_URL");
  }
  EXPECT_TRUE(gallery.seen.empty());
}

TEST_F(LinkFinderTest, UnsupportedWebsite) {
  const auto result = finder.find("https://www.artstation.com/artwork/abc");
  EXPECT_EQ(result.code, LinkFinderCode::UnsupportedWebsite);
  EXPECT_EQ(to_string(result.code), "UNSUPPORTED_WEBSITE");
  EXPECT_TRUE(result.site.empty());
}

TEST_F(LinkFinderTest, NotAnArtworkPage) {
  const auto result = finder.find("https://gallery.example.org/about");
  EXPECT_EQ(result.code, LinkFinderCode::NotAnArtworkPage);
  EXPECT_EQ(to_string(result.code), "NOT_AN_ARTWORK_PAGE");
  EXPECT_EQ(result.site, "gallery");
}

TEST_F(LinkFinderTest, RoutesToTheSiteThatOwnsTheUrlWithEscapedAmpersandsRead) {
  booru.artworks["https://booru.example.org/post?id=1&page=2"] = Artwork{{"https://img/1.png"}, {}, {{"x", "a"}}};
  const auto result = finder.find("https://booru.example.org/post?id=1&amp;page=2");
  EXPECT_EQ(result.code, LinkFinderCode::Ok);
  EXPECT_EQ(result.site, "booru");
  EXPECT_EQ(booru.seen, (std::vector<std::string>{"https://booru.example.org/post?id=1&page=2"}));
  EXPECT_TRUE(gallery.seen.empty());
}

TEST_F(LinkFinderTest, AccountsAreLowerCasedDeduplicatedAndFiltered) {
  const auto published = std::chrono::sys_days{std::chrono::year{2021} / 3 / 1} + std::chrono::hours{12};
  gallery.artworks["https://gallery.example.org/art/1"] =
      Artwork{{"https://img/full.png", "https://img/small.jpg"},
              std::chrono::sys_seconds{published},
              {{"x", "Inkwell"}, {"x", "inkwell"}, {"x", "DeviantArt"}, {"x", "twitter"}, {"x", "patreon"},
               {"x", "derpibooru"}, {"bluesky", "Inkwell.Art"}, {"mastodon", "inkwell"}, {"x", "second"}}};
  const auto result = finder.find("https://gallery.example.org/art/1");
  ASSERT_EQ(result.code, LinkFinderCode::Ok);
  EXPECT_EQ(result.accounts, (std::vector<Account>{{"x", "inkwell"}, {"bluesky", "inkwell.art"}, {"x", "second"}}));
  EXPECT_EQ(result.image_urls, (std::vector<std::string>{"https://img/full.png", "https://img/small.jpg"}));
  EXPECT_EQ(result.published, std::chrono::sys_seconds{published});
}

TEST_F(LinkFinderTest, NoAccountFoundWhenOnlyReservedOrDisabledOnesRemain) {
  gallery.artworks["https://gallery.example.org/art/2"] =
      Artwork{{"https://img/2.png"}, {}, {{"x", "deviantart"}, {"bluesky", "someone.bsky.social"}}};
  LinkFinder x_only({&gallery}, {.depth_limit = 2, .platforms = {"x"}});
  const auto result = x_only.find("https://gallery.example.org/art/2");
  EXPECT_EQ(result.code, LinkFinderCode::NoTwitterAccountFound);
  EXPECT_EQ(to_string(result.code), "NO_TWITTER_ACCOUNT_FOUND");
  EXPECT_TRUE(result.accounts.empty());
  EXPECT_TRUE(result.image_urls.empty());
  // With Bluesky enabled the same artwork has an account.
  EXPECT_EQ(finder.find("https://gallery.example.org/art/2").accounts,
            (std::vector<Account>{{"bluesky", "someone.bsky.social"}}));
}

TEST_F(LinkFinderTest, LayoutChangesAreThrownNamingTheSite) {
  gallery.layout_changed = true;
  try {
    (void)finder.find("https://gallery.example.org/art/3");
    FAIL() << "no error";
  } catch (const aotf::LayoutError& e) {
    EXPECT_EQ(e.site(), "gallery");
    EXPECT_NE(std::string(e.what()).find("div#content"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("https://gallery.example.org/art/3"), std::string::npos) << e.what();
  }
}

}  // namespace
