// The DOM query helper reads pages the way a browser would and finds what connectors look for.
#include <gtest/gtest.h>

#include <aotf/connectors/html.hpp>

namespace {

using aotf::html::Document;
using aotf::html::Selector;

const char* const kPage = R"(<!DOCTYPE html>
<html><head>
<meta name="preload-data" id="meta-preload-data" content="{&quot;a&quot;:1}">
<link rel="preload" href="https://img.example.com/full.png" as="image">
<link rel="stylesheet" href="/style.css">
</head><body>
<div class="card big"><div data-hook="deviation_meta"><h1>Title</h1></div>
<p>Find me on <a href="https://twitter.com/artist">Twitter</a> and <A HREF="https://bsky.app/profile/artist.bsky.social">Bluesky</A>
<a name="no-href">anchor</a>
<section id="about"><ul><li><a href="https://linktr.ee/artist?a=1&amp;b=2">links</a></ul>
</div>
<main id="content">unclosed <b>bold
</body></html>)";

TEST(Html, FindsByTagIdClassAndAttributes) {
  const Document doc(kPage);
  EXPECT_EQ(doc.find("meta#meta-preload-data").attr("content"), R"({"a":1})");
  EXPECT_EQ(doc.find("link[rel=preload][as=image]").attr("href"), "https://img.example.com/full.png");
  EXPECT_FALSE(doc.find("link[rel=preload][as=script]"));
  EXPECT_TRUE(doc.find("div.card"));
  EXPECT_TRUE(doc.find("div.big.card"));
  EXPECT_FALSE(doc.find("div.small"));
  EXPECT_TRUE(doc.find("[data-hook='deviation_meta']"));
  EXPECT_TRUE(doc.find("main#content"));
  EXPECT_FALSE(doc.find("section#missing"));
}

TEST(Html, ParentAndLinksUnderANode) {
  const Document doc(kPage);
  const auto meta = doc.find("div[data-hook=deviation_meta]");
  ASSERT_TRUE(meta);
  const auto parent = meta.parent();
  ASSERT_TRUE(parent);
  EXPECT_TRUE(parent.matches(Selector::parse("div.card")));
  // The HTML5 tree builder closes <p> and keeps <section> inside the card, as a browser does;
  // upper-case tags and entities are read like lower-case ones; an <a> without href is skipped.
  EXPECT_EQ(parent.links(), (std::vector<std::string>{"https://twitter.com/artist",
                                                       "https://bsky.app/profile/artist.bsky.social",
                                                       "https://linktr.ee/artist?a=1&b=2"}));
  EXPECT_EQ(doc.find("section#about").links(), (std::vector<std::string>{"https://linktr.ee/artist?a=1&b=2"}));
  EXPECT_EQ(doc.find("h1").text(), "Title");
}

TEST(Html, BodyAlwaysExists) {
  const Document empty("");
  EXPECT_TRUE(empty.body());
  EXPECT_TRUE(empty.body().links().empty());
  const Document text("just text, no markup <a href='https://x.com/someone'>x</a>");
  EXPECT_EQ(text.body().links(), (std::vector<std::string>{"https://x.com/someone"}));
}

TEST(Html, BadSelectorsAreNamedWithThePosition) {
  try {
    (void)Selector::parse("div[data-hook=x");
    FAIL() << "no error";
  } catch (const aotf::Error& e) {
    EXPECT_NE(std::string(e.what()).find("div[data-hook=x"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("expected ']'"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)Selector::parse("div > a"), aotf::Error);
  EXPECT_THROW((void)Selector::parse(""), aotf::Error);
  EXPECT_EQ(Selector::parse("link[rel=preload][as=image]").to_string(), "link[rel=preload][as=image]");
  EXPECT_EQ(Selector::parse("DIV#a.b").to_string(), "div#a.b");
}

}  // namespace
