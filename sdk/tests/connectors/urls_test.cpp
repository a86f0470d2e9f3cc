// URL validation of the original Link Finder and the account links of each platform.
#include <gtest/gtest.h>

#include <aotf/connectors/link_multiplexer.hpp>

namespace aotf {
// Readable accounts in failure messages.
inline void PrintTo(const Account& account, std::ostream* out) { *out << account.platform << ":" << account.name; }
}  // namespace aotf

namespace {

using aotf::Account;
using aotf::account_from_url;

TEST(Urls, ValidationOfTheOriginal) {
  EXPECT_TRUE(aotf::is_valid_url("https://www.deviantart.com/artist/art/x-1"));
  EXPECT_TRUE(aotf::is_valid_url("http://danbooru.donmai.us/posts/1"));
  EXPECT_TRUE(aotf::is_valid_url("www.pixiv.net/en/artworks/1"));
  EXPECT_TRUE(aotf::is_valid_url("https://x.com/artist"));  // the original refused one-letter domains
  EXPECT_FALSE(aotf::is_valid_url("https://www.deviantart.com"));  // a "/" must follow the domain
  EXPECT_FALSE(aotf::is_valid_url("not a url"));
  EXPECT_FALSE(aotf::is_valid_url("/relative/link"));
  EXPECT_FALSE(aotf::is_valid_url("ftp://example.com/"));
  EXPECT_FALSE(aotf::is_valid_url("https://example.toolong/"));
}

TEST(Urls, XAndTwitterLinks) {
  const Account expected{"x", "inkwelldraws"};
  for (const char* url : {"https://twitter.com/InkwellDraws", "http://www.twitter.com/InkwellDraws/",
                          "https://mobile.twitter.com/InkwellDraws", "twitter.com/#!/InkwellDraws",
                          "https://twitter.com/@InkwellDraws", "https://x.com/InkwellDraws",
                          "https://www.x.com/InkwellDraws?lang=en", "https://mobile.x.com/InkwellDraws",
                          "https://twitter.com/InkwellDraws/status/1234567890",
                          "https://www.deviantart.com/users/outgoing?https://twitter.com/InkwellDraws"})
    EXPECT_EQ(account_from_url(url), expected) << url;
}

TEST(Urls, ReservedXPathsAndLookalikeDomainsAreNotAccounts) {
  for (const char* url : {"https://twitter.com/intent/tweet?text=hello", "https://x.com/home", "https://x.com/share",
                          "https://twitter.com/i/web/status/1", "https://x.com/search?q=art",
                          "https://twitter.com/hashtag/art", "https://box.com/artist", "https://fox.com/artist",
                          "https://notx.com/artist", "https://twitter.com/", "https://example.com/"})
    EXPECT_FALSE(account_from_url(url)) << url;
}

TEST(Urls, BlueskyProfiles) {
  EXPECT_EQ(account_from_url("https://bsky.app/profile/Inkwell.BSKY.social"), (Account{"bluesky", "inkwell.bsky.social"}));
  EXPECT_EQ(account_from_url("https://bsky.app/profile/inkwell.art/post/3kabc"), (Account{"bluesky", "inkwell.art"}));
  EXPECT_EQ(account_from_url("https://bsky.app/profile/did:plc:abc234xyz"), (Account{"bluesky", "did:plc:abc234xyz"}));
  EXPECT_EQ(account_from_url("https://bsky.app/profile/did%3Aplc%3Aabc234xyz"),
            (Account{"bluesky", "did:plc:abc234xyz"}));
  EXPECT_FALSE(account_from_url("https://bsky.app/profile/nodots"));
  EXPECT_FALSE(account_from_url("https://bsky.app/search?q=x"));
}

TEST(Urls, ReservedNames) {
  for (const char* name : {"deviantart", "Twitter", "derpibooru", "patreon"}) EXPECT_TRUE(aotf::is_reserved_account_name(name));
  EXPECT_FALSE(aotf::is_reserved_account_name("inkwell"));
}

}  // namespace
