// Derpibooru and Furbooru: the API v1 image JSON, duplicates, artist search pages, the source,
// and the retry of an answer that is not JSON.
#include "sites_test_support.hpp"

namespace aotf::sites::testing {
namespace {

using aotf::fixtures::FixturePage;
using aotf::fixtures::PhilomenaImage;

TEST_F(SitesTest, DerpibooruArtistSearchAndSource) {
  const std::string url = fixture.add_philomena_image(PhilomenaImage{
      .id = "2000",
      .tags = {"safe", "artist:ink well", "oc"},
      .source_url = "https://linktr.ee/inkwell",
      .full = "https://derpicdn.example/img/view/2021/3/1/2000.png",
      .large = "https://derpicdn.example/img/2021/3/1/2000/large.png"});
  fixture.add_philomena_artist("derpibooru", "artist:ink well", {"https://twitter.com/InkWell"});
  fixture.add_linktree("inkwell", 5, {{"https://bsky.app/profile/inkwell.art"}});
  EXPECT_EQ(url, "https://derpibooru.org/images/2000");

  const auto result = finder.find(url);
  ASSERT_EQ(result.code, LinkFinderCode::Ok) << to_string(result.code);
  EXPECT_EQ(result.site, "derpibooru");
  EXPECT_EQ(result.accounts, (Accounts{{"x", "inkwell"}, {"bluesky", "inkwell.art"}}));
  EXPECT_EQ(result.image_urls, (Urls{"https://derpicdn.example/img/view/2021/3/1/2000.png",
                                     "https://derpicdn.example/img/2021/3/1/2000/large.png"}));
  EXPECT_EQ(result.published, utc(2021, 3, 1, 12, 5, 6));
  EXPECT_EQ(count("/sites/derpibooru/api/v1/json/images/2000"), 1u);
  EXPECT_EQ(count("/sites/derpibooru/search"), 1u);
}

TEST_F(SitesTest, DerpibooruUrlForms) {
  (void)fixture.add_philomena_image(
      PhilomenaImage{.id = "2001", .tags = {}, .source_url = "https://twitter.com/a/status/1", .full = "f", .large = "l"});
  for (const char* url : {"https://derpibooru.org/2001", "https://www.derpibooru.org/images/2001",
                          "derpibooru.org/images/2001?q=safe", "http://derpibooru.org/2001#comments"})
    EXPECT_EQ(finder.find(url).code, LinkFinderCode::Ok) << url;
  EXPECT_EQ(finder.find("https://derpibooru.org/tags/artist-colon-a").code, LinkFinderCode::NotAnArtworkPage);
  EXPECT_EQ(finder.find("https://derpibooru.org/images/").code, LinkFinderCode::NotAnArtworkPage);
  EXPECT_EQ(finder.find("https://trixiebooru.org/2001").code, LinkFinderCode::UnsupportedWebsite);
}

TEST_F(SitesTest, DerpibooruDuplicatesAreFollowed) {
  const std::string url = fixture.add_philomena_image(
      PhilomenaImage{.id = "3000", .tags = {}, .source_url = "", .duplicate_of = 3001, .full = "dup", .large = "dup"});
  (void)fixture.add_philomena_image(PhilomenaImage{.id = "3001", .tags = {"artist:kept"}, .source_url = "",
                                                   .full = "https://derpicdn.example/3001.png", .large = ""});
  fixture.add_philomena_artist("derpibooru", "artist:kept", {"https://x.com/kept_artist"});
  const auto result = finder.find(url);
  ASSERT_EQ(result.code, LinkFinderCode::Ok);
  EXPECT_EQ(result.accounts, (Accounts{{"x", "kept_artist"}}));
  EXPECT_EQ(result.image_urls, (Urls{"https://derpicdn.example/3001.png"}));
  EXPECT_EQ(count("/sites/derpibooru/api/v1/json/images/3000"), 1u);
  EXPECT_EQ(count("/sites/derpibooru/api/v1/json/images/3001"), 1u);
}

TEST_F(SitesTest, DerpibooruMissingAndBrokenImages) {
  EXPECT_EQ(finder.find("https://derpibooru.org/images/404404").code, LinkFinderCode::NotAnArtworkPage);
  fixture.set_page("/sites/derpibooru/api/v1/json/images/500", FixturePage{500, "text/html", "oops", {}});
  EXPECT_EQ(finder.find("https://derpibooru.org/images/500").code, LinkFinderCode::NotAnArtworkPage);
}

TEST_F(SitesTest, DerpibooruAnswerThatIsNotJsonIsAskedOnceMore) {
  const std::string url = fixture.add_philomena_image(
      PhilomenaImage{.id = "4000", .tags = {}, .source_url = "https://twitter.com/retried", .full = "f", .large = "l"});
  const std::string api = "/sites/derpibooru/api/v1/json/images/4000";
  // The JSON answer, served after a maintenance page.
  fixture.set_pages(api, {FixturePage{200, "text/html", "<html>Down for maintenance</html>", {}},
                          FixturePage{200, "application/json",
                                      R"({"image":{"created_at":"2021-03-01T12:05:06Z","tags":[],"source_url":"https://twitter.com/retried","representations":{"full":"f","large":"l"},"duplicate_of":null}})",
                                      {}}});
  const auto result = finder.find(url);
  EXPECT_EQ(result.code, LinkFinderCode::Ok);
  EXPECT_EQ(result.accounts, (Accounts{{"x", "retried"}}));
  EXPECT_EQ(count(api), 2u);
  // Not JSON twice: an error naming the site and the URL.
  fixture.set_page(api, FixturePage{200, "text/html", "<html>Down for maintenance</html>", {}});
  try {
    (void)finder.find(url);
    FAIL() << "no error";
  } catch (const SiteError& e) {
    EXPECT_EQ(e.site(), "Derpibooru");
    EXPECT_NE(std::string(e.what()).find("/api/v1/json/images/4000"), std::string::npos) << e.what();
  }
  EXPECT_EQ(count(api), 4u);
}

TEST_F(SitesTest, FurbooruUsesItsOwnBase) {
  const std::string url = fixture.add_philomena_image(PhilomenaImage{
      .site = "furbooru", .id = "77", .tags = {"artist:fox"}, .source_url = "", .full = "ff", .large = "fl"});
  fixture.add_philomena_artist("furbooru", "artist:fox", {"https://twitter.com/FoxArt"});
  EXPECT_EQ(url, "https://furbooru.org/images/77");
  const auto result = finder.find(url);
  ASSERT_EQ(result.code, LinkFinderCode::Ok);
  EXPECT_EQ(result.site, "furbooru");
  EXPECT_EQ(result.accounts, (Accounts{{"x", "foxart"}}));
  EXPECT_EQ(count("/sites/furbooru/api/v1/json/images/77"), 1u);
  EXPECT_EQ(count("/sites/derpibooru/api/v1/json/images/77"), 0u);
}

TEST_F(SitesTest, DerpibooruSearchPageLayoutChange) {
  const std::string url = fixture.add_philomena_image(
      PhilomenaImage{.id = "5000", .tags = {"artist:gone"}, .source_url = "", .full = "f", .large = "l"});
  fixture.set_page("/sites/derpibooru/search?q=artist:gone",
                   FixturePage{200, "text/html", "<html><body><div id=\"content\"></div></body></html>", {}});
  try {
    (void)finder.find(url);
    FAIL() << "no error";
  } catch (const LayoutError& e) {
    EXPECT_EQ(e.site(), "Derpibooru");
    EXPECT_EQ(e.missing(), "main#content");
  }
}

}  // namespace
}  // namespace aotf::sites::testing
