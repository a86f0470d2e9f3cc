#include "bluesky_source.hpp"

#include <algorithm>

namespace aotf::sources {

namespace {

void stop_if_asked(const Endpoint& endpoint, const StopPredicate& should_stop) {
  if (should_stop && should_stop()) {
    throw SourceError(SourceError::Kind::Stopped, endpoint.platform, endpoint.name,
                      endpoint.platform + ": " + endpoint.name + ": stopped");
  }
}

bool is_tid(const std::string& key) {
  return key.size() == 13 && std::all_of(key.begin(), key.end(), [](char c) {
           return (c >= '2' && c <= '7') || (c >= 'a' && c <= 'z');
         });
}

// True when `key` is the cursor's post or an older one (TIDs sort by time as strings).
bool reached(const std::string& key, const std::string& cursor) {
  if (key == cursor) return true;
  return is_tid(key) && is_tid(cursor) && key < cursor;
}

}  // namespace

std::string record_key(const std::string& uri) {
  static constexpr std::string_view kPrefix = "at://";
  static constexpr std::string_view kCollection = "/app.bsky.feed.post/";
  if (uri.rfind(kPrefix, 0) != 0) return {};
  const auto at = uri.find(kCollection, kPrefix.size());
  if (at == std::string::npos || at == kPrefix.size()) return {};
  const std::string key = uri.substr(at + kCollection.size());
  if (key.empty() || key.find('/') != std::string::npos) return {};
  return key;
}

UpstreamOptions bluesky_upstream_defaults() {
  UpstreamOptions o;
  o.reset_header = "ratelimit-reset";
  o.remaining_header = "ratelimit-remaining";
  o.max_rate_limit_wait = std::chrono::seconds(300);
  return o;
}

BlueskySource::BlueskySource(BlueskyOptions options) : options_(std::move(options)), api_(options_.upstream) {
  while (!options_.appview_base_url.empty() && options_.appview_base_url.back() == '/') options_.appview_base_url.pop_back();
  options_.page_size = std::clamp(options_.page_size, 1, 100);
}

JsonAnswer BlueskySource::call(const Endpoint& endpoint, const std::string& path_and_query, const StopPredicate& should_stop) {
  JsonAnswer answer = api_.get(endpoint, options_.appview_base_url + path_and_query, {}, should_stop);
  if (answer.status != 200 && answer.status != 400) {
    throw endpoint.upstream("answered status " + std::to_string(answer.status));
  }
  if (!answer.body.is_object()) throw endpoint.malformed("the answer is not a JSON object");
  return answer;
}

ResolvedAccount BlueskySource::resolve_account(const std::string& asked, const StopPredicate& should_stop) {
  std::string name = asked;
  if (!name.empty() && name.front() == '@') name.erase(0, 1);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  ResolvedAccount out;
  out.name = name;
  if (name.empty()) return out;
  const Endpoint endpoint{"bluesky", "app.bsky.actor.getProfile"};
  const JsonAnswer answer = call(endpoint, "/xrpc/app.bsky.actor.getProfile?actor=" + http::url_encode(name), should_stop);
  if (answer.status == 400) {
    const std::string error = endpoint.string(answer.body, "error", "");
    if (error == "InvalidRequest" || error == "AccountDeactivated") {
      out.state = AccountState::not_found;
    } else if (error == "AccountTakedown") {
      out.state = AccountState::suspended;
    } else {
      throw endpoint.upstream("error \"" + error + "\": " + answer.body.value("message", ""));
    }
    return out;
  }
  out.id = endpoint.string(answer.body, "did", "");
  out.name = endpoint.string(answer.body, "handle", "");
  if (out.id.rfind("did:", 0) != 0) throw endpoint.malformed("\"did\" is not a DID: \"" + out.id + "\"");
  out.state = AccountState::ok;
  return out;
}

std::optional<SocialPost> BlueskySource::parse_post(const Endpoint& endpoint, const json& view, const std::string& path) const {
  SocialPost post;
  post.platform = "bluesky";
  post.id = endpoint.string(view, "uri", path);
  if (record_key(post.id).empty()) throw endpoint.malformed("\"" + path + ".uri\" is not a post URI: \"" + post.id + "\"");
  post.account_id = endpoint.string(endpoint.object(view, "author", path), "did", path + ".author");
  const json& record = endpoint.object(view, "record", path);
  std::string created;
  if (const auto c = record.find("createdAt"); c != record.end() && c->is_string()) {
    created = c->get<std::string>();
  } else {
    created = endpoint.string(view, "indexedAt", path);
  }
  const auto published = parse_iso8601(created);
  if (!published) throw endpoint.malformed("\"" + path + ".record.createdAt\" is not a date: \"" + created + "\"");
  post.published = *published;

  const auto embed = view.find("embed");
  if (embed == view.end() || !embed->is_object()) return std::nullopt;
  const std::string type = embed->value("$type", "");
  const json* images_view = nullptr;
  std::string images_path;
  if (type == "app.bsky.embed.images#view") {
    images_view = &*embed;
    images_path = path + ".embed";
  } else if (type == "app.bsky.embed.recordWithMedia#view") {
    const json& media = endpoint.object(*embed, "media", path + ".embed");
    if (media.value("$type", "") == "app.bsky.embed.images#view") {
      images_view = &media;
      images_path = path + ".embed.media";
    }
  }
  if (images_view == nullptr) return std::nullopt;  // video, external link, quote without images
  const json& images = endpoint.array(*images_view, "images", images_path);
  for (std::size_t i = 0; i < images.size() && post.image_urls.size() < 4; ++i) {
    post.image_urls.push_back(endpoint.string(images[i], "fullsize", images_path + ".images[" + std::to_string(i) + "]"));
  }
  if (post.image_urls.empty()) return std::nullopt;
  return post;
}

Listing BlueskySource::list_posts(Lister lister, const ResolvedAccount& account, const std::string& cursor,
                                  const StopPredicate& should_stop) {
  Listing listing;
  listing.cursor = cursor;
  if (lister != Lister::timeline) {
    listing.supported = false;
    return listing;
  }
  const Endpoint endpoint{"bluesky", "app.bsky.feed.getAuthorFeed"};
  if (account.id.rfind("did:", 0) != 0) throw endpoint.upstream("account id \"" + account.id + "\" is not a DID");
  const std::string base = "/xrpc/app.bsky.feed.getAuthorFeed?actor=" + http::url_encode(account.id) +
                           "&filter=posts_with_media&limit=" + std::to_string(options_.page_size);
  std::string page_cursor;
  std::string newest;
  bool done = false;
  while (!done) {
    stop_if_asked(endpoint, should_stop);
    const JsonAnswer answer =
        call(endpoint, base + (page_cursor.empty() ? "" : "&cursor=" + http::url_encode(page_cursor)), should_stop);
    if (answer.status == 400) {
      throw endpoint.upstream("error \"" + answer.body.value("error", "") + "\": " + answer.body.value("message", ""));
    }
    const json& feed = endpoint.array(answer.body, "feed", "");
    for (std::size_t i = 0; i < feed.size() && !done; ++i) {
      const std::string path = "feed[" + std::to_string(i) + "]";
      const json& item = feed[i];
      if (const auto reason = item.find("reason"); reason != item.end() && reason->is_object()) {
        // Reposts are someone else's work; a pinned post is out of order (and listed in its place).
        const std::string why = reason->value("$type", "");
        if (why == "app.bsky.feed.defs#reasonRepost" || why == "app.bsky.feed.defs#reasonPin") continue;
      }
      const json& view = endpoint.object(item, "post", path);
      const std::string author = endpoint.string(endpoint.object(view, "author", path + ".post"), "did", path + ".post.author");
      if (author != account.id) continue;
      const std::string uri = endpoint.string(view, "uri", path + ".post");
      const std::string key = record_key(uri);
      if (key.empty()) throw endpoint.malformed("\"" + path + ".post.uri\" is not a post URI: \"" + uri + "\"");
      if (!cursor.empty() && reached(key, cursor)) {
        done = true;
        break;
      }
      if (newest.empty() || (is_tid(key) && is_tid(newest) && key > newest)) newest = key;
      if (auto post = parse_post(endpoint, view, path + ".post")) {
        if (std::none_of(listing.posts.begin(), listing.posts.end(), [&](const SocialPost& p) { return p.id == post->id; })) {
          listing.posts.push_back(std::move(*post));
        }
      }
    }
    if (done) break;
    const auto next = answer.body.find("cursor");
    if (next == answer.body.end() || feed.empty()) break;
    if (!next->is_string()) throw endpoint.malformed("\"cursor\" is not a string");
    if (next->get<std::string>() == page_cursor) throw endpoint.malformed("\"cursor\" repeats the previous page's cursor");
    page_cursor = next->get<std::string>();
  }
  if (!newest.empty()) listing.cursor = newest;
  return listing;
}

std::vector<SocialPost> BlueskySource::fetch_posts(const std::vector<std::string>& ids, const StopPredicate& should_stop) {
  const Endpoint endpoint{"bluesky", "app.bsky.feed.getPosts"};
  std::vector<std::string> valid;
  for (const auto& id : ids) {
    if (!record_key(id).empty() && std::find(valid.begin(), valid.end(), id) == valid.end()) valid.push_back(id);
  }
  std::vector<SocialPost> out;
  for (std::size_t start = 0; start < valid.size(); start += kGetPostsBatch) {
    stop_if_asked(endpoint, should_stop);
    std::string query;
    for (std::size_t i = start; i < std::min(valid.size(), start + kGetPostsBatch); ++i) {
      query += (i == start ? "?uris=" : "&uris=") + http::url_encode(valid[i]);
    }
    const JsonAnswer answer = call(endpoint, "/xrpc/app.bsky.feed.getPosts" + query, should_stop);
    if (answer.status == 400) {
      throw endpoint.upstream("error \"" + answer.body.value("error", "") + "\": " + answer.body.value("message", ""));
    }
    const json& posts = endpoint.array(answer.body, "posts", "");
    for (std::size_t i = 0; i < posts.size(); ++i) {
      if (auto post = parse_post(endpoint, posts[i], "posts[" + std::to_string(i) + "]")) out.push_back(std::move(*post));
    }
  }
  return out;
}

}  // namespace aotf::sources
