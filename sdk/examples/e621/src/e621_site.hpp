#pragma once
// The e621 site connector: which URLs are e621 posts and what such a post says about its artist.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <aotf/config.hpp>
#include <aotf/connectors/link_multiplexer.hpp>
#include <aotf/connectors/site.hpp>
#include <aotf/http/client.hpp>

namespace e621 {

// The keys of [plugins.e621], with their defaults.
[[nodiscard]] std::vector<aotf::ConfigKey> config_keys();

class E621Site final : public aotf::Site {
public:
  // Reads [plugins.e621]; a base URL that is not http(s) is an aotf::ConfigError naming the key.
  explicit E621Site(const aotf::ConfigView& config);

  [[nodiscard]] std::string_view name() const override { return "e621"; }
  // e621.net and e926.net (its safe-for-work mirror), with or without www.
  [[nodiscard]] bool owns(std::string_view url) const override;
  // https://e621.net/posts/<id> (also the old /post/show/<id>): fetches <base_url>/posts/<id>.json.
  [[nodiscard]] std::optional<aotf::Artwork> lookup(std::string_view url, aotf::LinkRequest& request) override;

private:
  std::string base_url_;
  aotf::http::RetryPolicy retry_;
  std::unique_ptr<aotf::http::Client> client_;
  std::unique_ptr<aotf::LinkMultiplexer> multiplexer_;
};

}  // namespace e621
