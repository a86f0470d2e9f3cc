#pragma once
// Derpibooru and Furbooru, two boorus on the same software (Philomena): (www.)<domain>/<id> and
// (www.)<domain>/images/<id>.

#include <regex>

#include <aotf/connectors/site.hpp>

#include "site_environment.hpp"

namespace aotf::sites {

class Philomena final : public Site {
public:
  // `name`: "derpibooru" or "furbooru"; its domain is <name>.org.
  Philomena(std::string name, std::string display_name, const ConfigView& config);
  [[nodiscard]] std::string_view name() const override { return name_; }
  [[nodiscard]] bool owns(std::string_view url) const override;
  [[nodiscard]] std::optional<Artwork> lookup(std::string_view url, LinkRequest& request) override;

private:
  std::optional<Artwork> lookup_image(const std::string& id, LinkRequest& request, int duplicates_followed);

  std::string name_;
  std::string display_name_;
  SiteEnvironment env_;
  std::regex domain_;  // searched concurrently: std::regex is read-only once built
  std::regex image_;
  std::string base_;
};

}  // namespace aotf::sites
