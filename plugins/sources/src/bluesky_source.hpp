#pragma once
// Bluesky through the public AppView (XRPC over HTTPS, no credentials).
//
// Post ids are the posts' at:// URIs ("at://did:plc:.../app.bsky.feed.post/<rkey>"): the record
// key alone is only unique per account, and getPosts needs the URI. Account ids are DIDs.
// The timeline cursor is the record key (a TID, which sorts by creation time) of the newest post
// listed: the next listing stops paging at the first post whose key is not newer.

#include <string>

#include "aotf/connectors/source.hpp"
#include "upstream_api.hpp"

namespace aotf::sources {

struct BlueskyOptions {
  std::string appview_base_url = "https://public.api.bsky.app";
  int page_size = 100;  // getAuthorFeed limit, 1..100
  UpstreamOptions upstream;
};

[[nodiscard]] UpstreamOptions bluesky_upstream_defaults();

class BlueskySource final : public Source {
public:
  explicit BlueskySource(BlueskyOptions options);

  [[nodiscard]] std::string_view platform() const override { return "bluesky"; }
  [[nodiscard]] ResolvedAccount resolve_account(const std::string& name, const StopPredicate& should_stop) override;
  // Bluesky has no search lister (the search API does not promise complete author listings).
  [[nodiscard]] bool has_lister(Lister lister) const override { return lister == Lister::timeline; }
  [[nodiscard]] Listing list_posts(Lister lister, const ResolvedAccount& account, const std::string& cursor,
                                   const StopPredicate& should_stop) override;
  [[nodiscard]] std::vector<SocialPost> fetch_posts(const std::vector<std::string>& ids,
                                                    const StopPredicate& should_stop) override;

  static constexpr std::size_t kGetPostsBatch = 25;

private:
  [[nodiscard]] JsonAnswer call(const Endpoint& endpoint, const std::string& path_and_query, const StopPredicate& should_stop);
  // The post (a postView) with its photos, or nullopt when it carries no image.
  [[nodiscard]] std::optional<SocialPost> parse_post(const Endpoint& endpoint, const json& view, const std::string& path) const;

  BlueskyOptions options_;
  UpstreamApi api_;
};

// The record key of an at:// post URI, or empty if `uri` is not one.
[[nodiscard]] std::string record_key(const std::string& uri);

}  // namespace aotf::sources
