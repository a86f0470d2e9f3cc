#pragma once
// X (formerly Twitter) through the official API v2 with an app bearer token.

#include <chrono>
#include <memory>
#include <string>

#include "aotf/connectors/source.hpp"
#include "aotf/http/client.hpp"
#include "upstream_api.hpp"

namespace aotf::sources {

struct XOptions {
  std::string api_base_url = "https://api.x.com";
  std::string bearer_token;  // never logged
  std::string token_env = "AOTF_X_BEARER_TOKEN";  // named in errors about the token
  bool search_all = false;   // /2/tweets/search/all (full archive) instead of /recent (7 days)
  int page_size = 100;       // max_results, 10..100
  UpstreamOptions upstream;
};

// UpstreamOptions with X's rate-limit header names.
[[nodiscard]] UpstreamOptions x_upstream_defaults();

class XSource final : public Source {
public:
  explicit XSource(XOptions options);

  [[nodiscard]] std::string_view platform() const override { return "x"; }
  [[nodiscard]] ResolvedAccount resolve_account(const std::string& name, const StopPredicate& should_stop) override;
  [[nodiscard]] bool has_lister(Lister) const override { return true; }
  [[nodiscard]] Listing list_posts(Lister lister, const ResolvedAccount& account, const std::string& cursor,
                                   const StopPredicate& should_stop) override;
  [[nodiscard]] std::vector<SocialPost> fetch_posts(const std::vector<std::string>& ids,
                                                    const StopPredicate& should_stop) override;

  static constexpr std::size_t kLookupBatch = 100;

private:
  [[nodiscard]] JsonAnswer call(const Endpoint& endpoint, const std::string& path_and_query,
                                const StopPredicate& should_stop);
  // Posts of one page with at least one photo; retweets and (when author_id is set) tweets by
  // other authors dropped.
  [[nodiscard]] std::vector<SocialPost> parse_tweets(const Endpoint& endpoint, const json& body,
                                                     const std::string& author_id) const;

  XOptions options_;
  UpstreamApi api_;
};

}  // namespace aotf::sources
