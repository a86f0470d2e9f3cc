// DeviantArt: oEmbed decides what an artwork is; accounts come from the description and from the
// artist's /about page; images from the preload link and oEmbed; the date from oEmbed.
#include <thread>

#include "sites_test_support.hpp"

namespace aotf::sites::testing {
namespace {

using aotf::fixtures::DeviantArtArtwork;
using aotf::fixtures::FixturePage;

TEST_F(SitesTest, DeviantArtArtworkWithAccountsInTheDescriptionAndTheAboutPage) {
  DeviantArtArtwork artwork{.artist = "inkwell",
                            .slug = "moonlit-harbor-901",
                            .description_links = {"https://www.deviantart.com/users/outgoing?https://twitter.com/InkwellDraws",
                                                  "https://linktr.ee/inkwell", "https://twitter.com/deviantart"},
                            .image_url = "https://images-wixmp.example/f/full.png",
                            .oembed_image_url = "https://images-wixmp.example/f/thumb.jpg"};
  const std::string url = fixture.add_deviantart_artwork(artwork);
  fixture.add_deviantart_profile("inkwell", {"https://bsky.app/profile/inkwell.bsky.social",
                                             "https://linktr.ee/inkwell"});
  fixture.add_linktree("inkwell", 9, {{"https://x.com/inkwell_nsfw", true}});

  const auto result = finder.find(url);
  ASSERT_EQ(result.code, LinkFinderCode::Ok) << to_string(result.code);
  EXPECT_EQ(result.site, "deviantart");
  EXPECT_EQ(result.accounts, (Accounts{{"x", "inkwelldraws"}, {"x", "inkwell_nsfw"}, {"bluesky", "inkwell.bsky.social"}}));
  EXPECT_EQ(result.image_urls, (Urls{"https://images-wixmp.example/f/full.png", "https://images-wixmp.example/f/thumb.jpg"}));
  // oEmbed says 2021-03-01T04:05:06-08:00: that is 12:05:06 UTC.
  EXPECT_EQ(result.published, utc(2021, 3, 1, 12, 5, 6));
  EXPECT_EQ(count("/sites/deviantart-backend/oembed"), 1u);
  EXPECT_EQ(count("/sites/deviantart/inkwell/art/moonlit-harbor-901"), 1u);
  EXPECT_EQ(count("/sites/deviantart/inkwell/about"), 1u);
  EXPECT_EQ(count("/sites/linktree/inkwell"), 1u);  // linked twice, fetched once
}

TEST_F(SitesTest, DeviantArtScenarioForOtherSuites) {
  const std::string url = fixture.deviantart_artwork_linking_to(
      "painter", {"https://twitter.com/PainterX", "https://bsky.app/profile/painter.bsky.social"});
  EXPECT_EQ(url, "https://www.deviantart.com/painter/art/painter-artwork-1");
  const auto result = finder.find(url);
  ASSERT_EQ(result.code, LinkFinderCode::Ok);
  EXPECT_EQ(result.accounts, (Accounts{{"x", "painterx"}, {"bluesky", "painter.bsky.social"}}));
  EXPECT_EQ(result.image_urls,
            (Urls{server.base_url() + "/images/painter.png", server.base_url() + "/images/painter-small.jpg"}));
}

TEST_F(SitesTest, OneSiteServesSeveralThreadsAtOnce) {
  std::vector<std::string> urls;
  for (int i = 0; i < 4; ++i)
    urls.push_back(fixture.deviantart_artwork_linking_to("artist" + std::to_string(i),
                                                         {"https://twitter.com/artist_" + std::to_string(i)}));
  std::vector<LinkFinderResult> results(urls.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < urls.size(); ++i)
    threads.emplace_back([&, i] {
      for (int round = 0; round < 5; ++round) results[i] = finder.find(urls[i]);
    });
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < urls.size(); ++i) {
    EXPECT_EQ(results[i].code, LinkFinderCode::Ok) << urls[i];
    EXPECT_EQ(results[i].accounts, (Accounts{{"x", "artist_" + std::to_string(i)}})) << urls[i];
  }
  EXPECT_EQ(count("/sites/deviantart/artist0/about"), 5u);
}

TEST_F(SitesTest, DeviantArtOldSubdomainUrls) {
  DeviantArtArtwork artwork{.artist = "inkwell", .slug = "old-style-5"};
  (void)fixture.add_deviantart_artwork(artwork);
  fixture.add_deviantart_profile("inkwell", {"https://twitter.com/inkwell"});
  const std::string old_url = "https://inkwell.deviantart.com/art/old-style-5";
  // oEmbed knows the old form of the URL too.
  fixture.set_page("/sites/deviantart-backend/oembed?url=" + old_url,
                   FixturePage{200, "application/json",
                               R"({"type":"photo","url":"https://img.example/t.jpg","author_url":"https://www.deviantart.com/inkwell","pubdate":"2020-01-01T00:00:00-08:00"})",
                               {}});
  const auto result = finder.find(old_url);
  ASSERT_EQ(result.code, LinkFinderCode::Ok);
  EXPECT_EQ(result.accounts, (Accounts{{"x", "inkwell"}}));
  EXPECT_EQ(count("/sites/deviantart/inkwell/art/old-style-5"), 1u);
  EXPECT_EQ(result.published, utc(2020, 1, 1, 8, 0, 0));
}

TEST_F(SitesTest, DeviantArtUrlsThatAreNotArtworks) {
  EXPECT_EQ(finder.find("https://www.deviantart.com").code, LinkFinderCode::NotAnUrl);
  EXPECT_EQ(finder.find("https://deviantart.com.example.org/a/art/b").code, LinkFinderCode::UnsupportedWebsite);
  EXPECT_EQ(finder.find("https://notdeviantart.com/a/art/b").code, LinkFinderCode::UnsupportedWebsite);
  // oEmbed answers 404 for a profile, and a non-photo type for a literature work.
  EXPECT_EQ(finder.find("https://www.deviantart.com/inkwell").code, LinkFinderCode::NotAnArtworkPage);
  fixture.set_page("/sites/deviantart-backend/oembed?url=https://www.deviantart.com/inkwell/art/poem-2",
                   FixturePage{200, "application/json", R"({"type":"rich","html":"<p>poem</p>"})", {}});
  EXPECT_EQ(finder.find("https://www.deviantart.com/inkwell/art/poem-2").code, LinkFinderCode::NotAnArtworkPage);
  EXPECT_EQ(count("/sites/deviantart/inkwell/art/poem-2"), 0u);
}

TEST_F(SitesTest, DeviantArtMatureWorksUseOnlyTheOEmbedImage) {
  DeviantArtArtwork artwork{.artist = "inkwell", .slug = "mature-3", .description_links = {"https://twitter.com/inkwell"},
                            .oembed_image_url = "https://img.example/mature-thumb.jpg", .mature = true};
  const auto result = finder.find(fixture.add_deviantart_artwork(artwork));
  ASSERT_EQ(result.code, LinkFinderCode::Ok);
  EXPECT_EQ(result.image_urls, (Urls{"https://img.example/mature-thumb.jpg"}));
}

TEST_F(SitesTest, DeviantArtWithoutAccountsAndWithOnlyItsOwnTwitter) {
  DeviantArtArtwork artwork{.artist = "quiet", .slug = "silent-4", .description_links = {"https://twitter.com/DeviantArt"}};
  const std::string url = fixture.add_deviantart_artwork(artwork);
  fixture.add_deviantart_profile("quiet", {"https://www.example.com/portfolio/"});
  EXPECT_EQ(finder.find(url).code, LinkFinderCode::NoTwitterAccountFound);
}

TEST_F(SitesTest, DeviantArtLayoutChangeNamesTheSiteAndTheSelector) {
  DeviantArtArtwork artwork{.artist = "inkwell", .slug = "changed-6", .layout_changed = true};
  const std::string url = fixture.add_deviantart_artwork(artwork);
  try {
    (void)finder.find(url);
    FAIL() << "no error";
  } catch (const LayoutError& e) {
    EXPECT_EQ(e.site(), "DeviantArt");
    EXPECT_EQ(e.missing(), "div[data-hook=deviation_meta]");
    EXPECT_NE(std::string(e.what()).find("/sites/deviantart/inkwell/art/changed-6"), std::string::npos) << e.what();
  }
}

TEST_F(SitesTest, DeviantArtRetriesOn403) {
  DeviantArtArtwork artwork{.artist = "inkwell", .slug = "busy-7", .description_links = {"https://twitter.com/inkwell"}};
  const std::string url = fixture.add_deviantart_artwork(artwork);
  const std::string target = "/sites/deviantart-backend/oembed?url=" + url;
  // Two 403s, then the real answer: the budget of 5 covers it.
  std::string oembed_body = R"({"type":"photo","url":"https://img.example/t.jpg","author_url":"https://www.deviantart.com/inkwell","pubdate":"2021-03-01T04:05:06-08:00"})";
  fixture.set_pages(target, {FixturePage{403, "text/html", "Forbidden", {}}, FixturePage{403, "text/html", "Forbidden", {}},
                             FixturePage{200, "application/json", oembed_body, {}}});
  const auto result = finder.find(url);
  EXPECT_EQ(result.code, LinkFinderCode::Ok);
  EXPECT_EQ(count("/sites/deviantart-backend/oembed"), 3u);
  // Always 403: the budget runs out and the request fails with the HTTP error.
  fixture.set_page(target, FixturePage{403, "text/html", "Forbidden", {}});
  EXPECT_THROW((void)finder.find(url), http::HttpError);
}

}  // namespace
}  // namespace aotf::sites::testing
