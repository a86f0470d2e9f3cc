#pragma once
// Danbooru: danbooru.donmai.us/posts/<id>.

#include <aotf/connectors/site.hpp>

#include "site_environment.hpp"

namespace aotf::sites {

class Danbooru final : public Site {
public:
  explicit Danbooru(const ConfigView& config) : env_(config) {}
  [[nodiscard]] std::string_view name() const override { return "danbooru"; }
  [[nodiscard]] bool owns(std::string_view url) const override;
  [[nodiscard]] std::optional<Artwork> lookup(std::string_view url, LinkRequest& request) override;

private:
  SiteEnvironment env_;
};

}  // namespace aotf::sites
