#pragma once
// Pixiv: (www.)pixiv.net/(en/)artworks/<id> and member_illust.php?...illust_id=<id>, with an
// optional #n selecting the n-th image of a multi-image work.

#include <aotf/connectors/site.hpp>

#include "site_environment.hpp"

namespace aotf::sites {

struct PixivArtworkUrl {
  std::string id;
  int image = 1;  // #n when 1 <= n <= 200, else 1
};

// The artwork a Pixiv URL names, if it is an artwork URL.
[[nodiscard]] std::optional<PixivArtworkUrl> parse_pixiv_artwork_url(std::string_view url);

class Pixiv final : public Site {
public:
  explicit Pixiv(const ConfigView& config) : env_(config) {}
  [[nodiscard]] std::string_view name() const override { return "pixiv"; }
  [[nodiscard]] bool owns(std::string_view url) const override;
  [[nodiscard]] bool followed_from_booru_source() const override { return true; }
  [[nodiscard]] std::optional<Artwork> lookup(std::string_view url, LinkRequest& request) override;
  // Referer: <pixiv.base_url>/ for URLs under pixiv.image_base_url (i.pximg.net refuses others).
  [[nodiscard]] std::optional<std::vector<std::pair<std::string, std::string>>> image_headers(
      std::string_view image_url) const override;

private:
  SiteEnvironment env_;
};

}  // namespace aotf::sites
