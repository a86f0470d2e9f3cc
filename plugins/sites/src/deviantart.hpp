#pragma once
// DeviantArt: any URL its oEmbed endpoint accepts as a "photo" is an artwork.

#include <memory>

#include <aotf/connectors/site.hpp>

#include "site_environment.hpp"

namespace aotf::sites {

class DeviantArt final : public Site {
public:
  explicit DeviantArt(const ConfigView& config) : env_(config) {}
  [[nodiscard]] std::string_view name() const override { return "deviantart"; }
  [[nodiscard]] bool owns(std::string_view url) const override;
  [[nodiscard]] bool followed_from_booru_source() const override { return true; }
  [[nodiscard]] std::optional<Artwork> lookup(std::string_view url, LinkRequest& request) override;

  // Where the artwork page of `url` is fetched: <base>/<artist>/art/<slug> for both the
  // www.deviantart.com/<artist>/art/... and the older <artist>.deviantart.com/art/... forms.
  [[nodiscard]] std::string page_url(std::string_view url) const;

private:
  SiteEnvironment env_;
};

}  // namespace aotf::sites
