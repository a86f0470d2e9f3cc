// Danbooru: the post JSON, the artist pages of its artist tags, then the post's source followed
// as a booru source (Pixiv and DeviantArt artworks lead to their artist).
#include "sites_test_support.hpp"

namespace aotf::sites::testing {
namespace {

using aotf::fixtures::DanbooruPost;
using aotf::fixtures::FixturePage;

TEST_F(SitesTest, DanbooruArtistPagesAndPixivSource) {
  const std::string url = fixture.add_danbooru_post(DanbooruPost{
      .id = "4321",
      .tag_string_artist = "ink_well other_(artist)",
      .source = "https://i.pximg.net/img-original/img/2021/03/01/00/00/00/777_p0.png",
      .pixiv_id = 777,
      .file_url = "https://cdn.donmai.example/original/ab/cd/abcd.png",
      .large_file_url = "https://cdn.donmai.example/sample/ab/cd/sample-abcd.jpg"});
  fixture.add_danbooru_artist("ink_well", {"https://twitter.com/Ink_Well", "https://www.pixiv.net/en/artworks/777"});
  fixture.add_danbooru_artist("other_(artist)", {"https://bsky.app/profile/other.bsky.social"});
  fixture.add_pixiv_artwork({.id = "777", .user_id = "70", .pages = {{"o", "r"}}});
  fixture.add_pixiv_user({.id = "70", .webpage = std::nullopt, .twitter_url = "https://twitter.com/from_pixiv", .comment = ""});

  const auto result = finder.find(url);
  ASSERT_EQ(result.code, LinkFinderCode::Ok) << to_string(result.code);
  EXPECT_EQ(result.site, "danbooru");
  // The Pixiv artwork linked from the artist page is not followed (only sources are); the
  // pixiv_id source is, and leads to the Pixiv profile.
  EXPECT_EQ(result.accounts, (Accounts{{"x", "ink_well"}, {"bluesky", "other.bsky.social"}, {"x", "from_pixiv"}}));
  EXPECT_EQ(result.image_urls, (Urls{"https://cdn.donmai.example/original/ab/cd/abcd.png",
                                     "https://cdn.donmai.example/sample/ab/cd/sample-abcd.jpg"}));
  // created_at 2021-03-01T07:05:06.123-05:00 is 12:05:06 UTC.
  EXPECT_EQ(result.published, utc(2021, 3, 1, 12, 5, 6));
  EXPECT_EQ(count("/sites/danbooru/posts/4321.json"), 1u);
  EXPECT_EQ(count("/sites/danbooru/artists/show_or_new"), 2u);
  EXPECT_EQ(count("/sites/pixiv/en/artworks/777"), 1u);
  EXPECT_EQ(count("/sites/pixiv/en/users/70"), 1u);
}

TEST_F(SitesTest, DanbooruDeviantArtSource) {
  const std::string url = fixture.add_danbooru_post(DanbooruPost{
      .id = "55", .tag_string_artist = "", .source = "https://www.deviantart.com/inkwell/art/harbor-1",
      .file_url = "https://cdn.donmai.example/55.png", .large_file_url = "https://cdn.donmai.example/55.png"});
  (void)fixture.add_deviantart_artwork({.artist = "inkwell", .slug = "harbor-1"});
  fixture.add_deviantart_profile("inkwell", {"https://twitter.com/inkwell_da"});
  const auto result = finder.find(url);
  ASSERT_EQ(result.code, LinkFinderCode::Ok);
  EXPECT_EQ(result.accounts, (Accounts{{"x", "inkwell_da"}}));
  EXPECT_EQ(result.image_urls, (Urls{"https://cdn.donmai.example/55.png"}));  // the same URL twice is listed once
}

TEST_F(SitesTest, DanbooruTweetSourceYieldsItsAuthor) {
  // As the original's code (not its FAQ): a post whose source is a post on X names its author.
  const std::string url = fixture.add_danbooru_post(DanbooruPost{
      .id = "56", .tag_string_artist = "", .source = "https://twitter.com/SourceArtist/status/123456789",
      .file_url = "https://cdn.donmai.example/56.png", .large_file_url = "https://cdn.donmai.example/56s.jpg"});
  EXPECT_EQ(finder.find(url).accounts, (Accounts{{"x", "sourceartist"}}));
}

TEST_F(SitesTest, DanbooruUrlsThatAreNotArtworks) {
  EXPECT_EQ(finder.find("https://danbooru.donmai.us/posts?tags=ink_well").code, LinkFinderCode::NotAnArtworkPage);
  EXPECT_EQ(finder.find("https://danbooru.donmai.us/artists/1").code, LinkFinderCode::NotAnArtworkPage);
  EXPECT_TRUE(server.requests().empty());
  // An unknown post: 404 with success:false.
  EXPECT_EQ(finder.find("https://danbooru.donmai.us/posts/999999").code, LinkFinderCode::NotAnArtworkPage);
  EXPECT_EQ(count("/sites/danbooru/posts/999999.json"), 1u);
  // success:false with status 200 too.
  fixture.set_page("/sites/danbooru/posts/998.json", FixturePage{200, "application/json", R"({"success":false})", {}});
  EXPECT_EQ(finder.find("https://danbooru.donmai.us/posts/998?q=x").code, LinkFinderCode::NotAnArtworkPage);
  EXPECT_EQ(finder.find("https://safebooru.donmai.us/posts/1").code, LinkFinderCode::UnsupportedWebsite);
}

TEST_F(SitesTest, DanbooruPostWithoutAccounts) {
  const std::string url = fixture.add_danbooru_post(
      DanbooruPost{.id = "60", .tag_string_artist = "nobody", .source = "https://example.com/page/1",
                   .file_url = "https://cdn.donmai.example/60.png", .large_file_url = ""});
  fixture.add_danbooru_artist("nobody", {"https://www.example.com/home/"});
  EXPECT_EQ(finder.find(url).code, LinkFinderCode::NoTwitterAccountFound);
}

TEST_F(SitesTest, DanbooruArtistPageLayoutChange) {
  const std::string url = fixture.add_danbooru_post(DanbooruPost{
      .id = "61", .tag_string_artist = "ink_well", .source = "", .file_url = "f", .large_file_url = "l"});
  fixture.set_page("/sites/danbooru/artists/show_or_new?name=ink_well",
                   FixturePage{200, "text/html", "<html><body><div id=\"c-wiki\"></div></body></html>", {}});
  try {
    (void)finder.find(url);
    FAIL() << "no error";
  } catch (const LayoutError& e) {
    EXPECT_EQ(e.site(), "Danbooru");
    EXPECT_EQ(e.missing(), "div#c-artists");
  }
}

}  // namespace
}  // namespace aotf::sites::testing
