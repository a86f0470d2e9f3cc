// Pixiv: artwork URL forms and #n, the preload JSON, the pages API for the n-th image, the
// artist's profile (webpage, social link, bio).
#include "sites_test_support.hpp"

namespace aotf::sites::testing {
namespace {

using aotf::fixtures::FixturePage;
using aotf::fixtures::PixivArtwork;
using aotf::fixtures::ArtSites;

class PixivTest : public SitesTest {
protected:
  PixivTest() {
    fixture.add_pixiv_artwork(PixivArtwork{.id = "98765",
                                           .user_id = "5150",
                                           .pages = {{"https://i.pximg.example/img-original/98765_p0.png",
                                                      "https://i.pximg.example/img-master/98765_p0_master1200.jpg"},
                                                     {"https://i.pximg.example/img-original/98765_p1.png",
                                                      "https://i.pximg.example/img-master/98765_p1_master1200.jpg"},
                                                     {"https://i.pximg.example/img-original/98765_p2.png",
                                                      "https://i.pximg.example/img-master/98765_p2_master1200.jpg"}}});
    fixture.add_pixiv_user({.id = "5150",
                            .webpage = "https://linktr.ee/pixivartist",
                            .twitter_url = "https://twitter.com/PixivArtist",
                            .comment = "Contact: https://x.com/pixiv_bio"});
    fixture.add_linktree("pixivartist", 3, {{"https://bsky.app/profile/pixivartist.bsky.social"}});
  }
};

TEST_F(PixivTest, ArtworkAccountsImagesAndDate) {
  const auto result = finder.find("https://www.pixiv.net/en/artworks/98765");
  ASSERT_EQ(result.code, LinkFinderCode::Ok) << to_string(result.code);
  EXPECT_EQ(result.site, "pixiv");
  EXPECT_EQ(result.accounts,
            (Accounts{{"bluesky", "pixivartist.bsky.social"}, {"x", "pixivartist"}, {"x", "pixiv_bio"}}));
  EXPECT_EQ(result.image_urls, (Urls{"https://i.pximg.example/img-original/98765_p0.png",
                                     "https://i.pximg.example/img-master/98765_p0_master1200.jpg"}));
  // createDate 2021-03-01T21:05:06+09:00 is 12:05:06 UTC.
  EXPECT_EQ(result.published, utc(2021, 3, 1, 12, 5, 6));
  EXPECT_EQ(count("/sites/pixiv/en/artworks/98765"), 1u);
  EXPECT_EQ(count("/sites/pixiv/en/users/5150"), 1u);
  EXPECT_EQ(count("/sites/pixiv/ajax/illust/98765/pages"), 0u);
}

TEST_F(PixivTest, DownloadsFromTheImageHostSendThePixivReferer) {
  const auto cfg = make_config({{"pixiv.base_url", std::string("http://127.0.0.1:9/pixiv")},
                                {"pixiv.image_base_url", std::string("https://i.pximg.example")}});
  const Pixiv site(cfg);
  const auto headers = site.image_headers("https://i.pximg.example/img-original/98765_p0.png");
  ASSERT_TRUE(headers.has_value());
  EXPECT_EQ(*headers, (std::vector<std::pair<std::string, std::string>>{{"Referer", "http://127.0.0.1:9/pixiv/"}}));
  EXPECT_FALSE(site.image_headers("https://i.pximg.example.evil/x.png").has_value());
  EXPECT_FALSE(site.image_headers("https://pbs.twimg.com/media/x.jpg").has_value());
}

TEST_F(PixivTest, TheNthImageComesFromThePagesApi) {
  const auto result = finder.find("https://www.pixiv.net/en/artworks/98765#2");
  ASSERT_EQ(result.code, LinkFinderCode::Ok);
  EXPECT_EQ(result.image_urls, (Urls{"https://i.pximg.example/img-original/98765_p1.png",
                                     "https://i.pximg.example/img-master/98765_p1_master1200.jpg"}));
  EXPECT_EQ(count("/sites/pixiv/ajax/illust/98765/pages"), 1u);
  EXPECT_EQ(finder.find("https://www.pixiv.net/en/artworks/98765#3").image_urls.front(),
            "https://i.pximg.example/img-original/98765_p2.png");
}

TEST_F(PixivTest, AnImageNumberOutOfRangeMeansTheFirstImage) {
  for (const char* url : {"https://www.pixiv.net/en/artworks/98765#4", "https://www.pixiv.net/en/artworks/98765#1",
                          "https://www.pixiv.net/en/artworks/98765#0", "https://www.pixiv.net/en/artworks/98765#201",
                          "https://www.pixiv.net/en/artworks/98765#abc"}) {
    const auto result = finder.find(url);
    ASSERT_EQ(result.code, LinkFinderCode::Ok) << url;
    EXPECT_EQ(result.image_urls.front(), "https://i.pximg.example/img-original/98765_p0.png") << url;
  }
  EXPECT_EQ(count("/sites/pixiv/ajax/illust/98765/pages"), 0u);
}

TEST_F(PixivTest, UrlFormsAccepted) {
  for (const char* url : {"https://pixiv.net/artworks/98765", "http://www.pixiv.net/artworks/98765",
                          "www.pixiv.net/en/artworks/98765",
                          "https://www.pixiv.net/member_illust.php?mode=medium&illust_id=98765",
                          "https://www.pixiv.net/member_illust.php?mode=medium&amp;illust_id=98765"})
    EXPECT_EQ(finder.find(url).code, LinkFinderCode::Ok) << url;
  EXPECT_EQ(parse_pixiv_artwork_url("https://www.pixiv.net/member_illust.php?illust_id=98765#2")->image, 2);
}

TEST_F(PixivTest, UrlsThatAreNotArtworks) {
  const std::size_t before = server.requests().size();
  EXPECT_EQ(finder.find("https://www.pixiv.net/en/users/5150").code, LinkFinderCode::NotAnArtworkPage);
  EXPECT_EQ(finder.find("https://www.pixiv.net/en/artworks/abc").code, LinkFinderCode::NotAnArtworkPage);
  EXPECT_EQ(finder.find("https://www.pixiv.net/en/artworks/98765x").code, LinkFinderCode::NotAnArtworkPage);
  EXPECT_EQ(server.requests().size(), before);  // recognised without asking Pixiv
  EXPECT_EQ(finder.find("https://www.pixiv.net/en/artworks/1").code, LinkFinderCode::NotAnArtworkPage);  // 404
  EXPECT_EQ(finder.find("https://pixiv.net.example.org/en/artworks/1").code, LinkFinderCode::UnsupportedWebsite);
}

TEST_F(PixivTest, ArtistWithoutLinks) {
  fixture.add_pixiv_artwork(PixivArtwork{.id = "11", .user_id = "12", .pages = {{"o", "r"}}});
  fixture.add_pixiv_user({.id = "12", .webpage = std::nullopt, .twitter_url = std::nullopt, .comment = "hello"});
  EXPECT_EQ(finder.find("https://www.pixiv.net/en/artworks/11").code, LinkFinderCode::NoTwitterAccountFound);
}

TEST_F(PixivTest, LayoutChanges) {
  fixture.set_page("/sites/pixiv/en/artworks/21",
                   FixturePage{200, "text/html", "<html><head><title>pixiv</title></head><body></body></html>", {}});
  try {
    (void)finder.find("https://www.pixiv.net/en/artworks/21");
    FAIL() << "no error";
  } catch (const LayoutError& e) {
    EXPECT_EQ(e.site(), "Pixiv");
    EXPECT_EQ(e.missing(), "meta#meta-preload-data");
  }
  // The preload JSON without the image URLs.
  const std::string preload = ArtSites::escape_html(
      R"({"illust":{"22":{"userId":"5150","pageCount":1,"createDate":"2021-03-01T00:00:00+09:00","urls":{"regular":null}}}})");
  fixture.set_page("/sites/pixiv/en/artworks/22",
                   FixturePage{200, "text/html",
                               "<html><head><meta id=\"meta-preload-data\" content=\"" + preload + "\"></head></html>", {}});
  try {
    (void)finder.find("https://www.pixiv.net/en/artworks/22");
    FAIL() << "no error";
  } catch (const LayoutError& e) {
    EXPECT_EQ(e.missing(), "illust.22.urls.original");
    EXPECT_NE(std::string(e.what()).find("Pixiv"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace aotf::sites::testing
