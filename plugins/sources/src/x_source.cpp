#include "x_source.hpp"

#include <algorithm>
#include <map>

namespace aotf::sources {

namespace {

constexpr const char* kTweetFields =
    "expansions=attachments.media_keys&media.fields=type,url&tweet.fields=created_at,author_id,attachments,referenced_tweets";

bool numeric_id(const std::string& id) {
  return !id.empty() && id.size() <= 20 && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_date(const std::string& text) {
  return text.size() == 10 && text[4] == '-' && text[7] == '-' && parse_iso8601(text + "T00:00:00Z").has_value();
}

// Tweet ids grow with time; compare as numbers without overflow.
bool id_less(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

void stop_if_asked(const Endpoint& endpoint, const StopPredicate& should_stop) {
  if (should_stop && should_stop()) {
    throw SourceError(SourceError::Kind::Stopped, endpoint.platform, endpoint.name,
                      endpoint.platform + ": " + endpoint.name + ": stopped");
  }
}

}  // namespace

UpstreamOptions x_upstream_defaults() {
  UpstreamOptions o;
  o.reset_header = "x-rate-limit-reset";
  o.remaining_header = "x-rate-limit-remaining";
  return o;
}

XSource::XSource(XOptions options) : options_(std::move(options)), api_(options_.upstream) {
  while (!options_.api_base_url.empty() && options_.api_base_url.back() == '/') options_.api_base_url.pop_back();
  options_.page_size = std::clamp(options_.page_size, 10, 100);
}

JsonAnswer XSource::call(const Endpoint& endpoint, const std::string& path_and_query, const StopPredicate& should_stop) {
  JsonAnswer answer = api_.get(endpoint, options_.api_base_url + path_and_query,
                               {{"Authorization", "Bearer " + options_.bearer_token}}, should_stop);
  if (answer.status == 401 || answer.status == 403) {
    throw endpoint.upstream("the API refused the bearer token (status " + std::to_string(answer.status) +
                            "); check the token in " + options_.token_env);
  }
  if (answer.status != 200) {
    std::string detail;
    if (answer.body.is_object()) {
      if (const auto it = answer.body.find("detail"); it != answer.body.end() && it->is_string()) detail = ": " + it->get<std::string>();
    }
    throw endpoint.upstream("answered status " + std::to_string(answer.status) + detail);
  }
  if (!answer.body.is_object()) throw endpoint.malformed("the answer is not a JSON object");
  return answer;
}

ResolvedAccount XSource::resolve_account(const std::string& asked, const StopPredicate& should_stop) {
  std::string name = asked;
  if (!name.empty() && name.front() == '@') name.erase(0, 1);
  ResolvedAccount out;
  out.name = name;
  const bool valid = !name.empty() && name.size() <= 15 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_';
  });
  if (!valid) return out;  // X cannot have such a user: not found, nothing sent

  const Endpoint endpoint{"x", "GET /2/users/by/username/:username"};
  const JsonAnswer answer = call(endpoint, "/2/users/by/username/" + name + "?user.fields=protected", should_stop);
  if (const auto data = answer.body.find("data"); data != answer.body.end()) {
    out.id = endpoint.string(*data, "id", "data");
    out.name = endpoint.string(*data, "username", "data");
    if (!numeric_id(out.id)) throw endpoint.malformed("\"data.id\" is not a numeric id: \"" + out.id + "\"");
    const auto prot = data->find("protected");
    out.state = prot != data->end() && prot->is_boolean() && prot->get<bool>() ? AccountState::private_account : AccountState::ok;
    return out;
  }
  const json& errors = endpoint.array(answer.body, "errors", "");
  if (errors.empty() || !errors[0].is_object()) throw endpoint.malformed("\"errors\" is empty");
  const std::string title = errors[0].value("title", "");
  const std::string detail = errors[0].value("detail", "");
  if (title == "Not Found Error") {
    out.state = AccountState::not_found;
  } else if (title == "Forbidden" && detail.find("suspended") != std::string::npos) {
    out.state = AccountState::suspended;
  } else {
    throw endpoint.upstream("error \"" + title + "\": " + detail);
  }
  return out;
}

std::vector<SocialPost> XSource::parse_tweets(const Endpoint& endpoint, const json& body, const std::string& author_id) const {
  std::vector<SocialPost> out;
  const auto data_it = body.find("data");
  if (data_it == body.end()) return out;
  if (!data_it->is_array()) throw endpoint.malformed("\"data\" is not an array");

  std::map<std::string, const json*, std::less<>> media;
  if (const auto inc = body.find("includes"); inc != body.end() && inc->is_object()) {
    if (const auto m = inc->find("media"); m != inc->end() && m->is_array()) {
      for (std::size_t i = 0; i < m->size(); ++i) {
        media[endpoint.string((*m)[i], "media_key", "includes.media[" + std::to_string(i) + "]")] = &(*m)[i];
      }
    }
  }

  for (std::size_t i = 0; i < data_it->size(); ++i) {
    const json& tweet = (*data_it)[i];
    const std::string path = "data[" + std::to_string(i) + "]";
    SocialPost post;
    post.platform = "x";
    post.id = endpoint.string(tweet, "id", path);
    post.account_id = endpoint.string(tweet, "author_id", path);
    if (!author_id.empty() && post.account_id != author_id) continue;
    if (const auto refs = tweet.find("referenced_tweets"); refs != tweet.end() && refs->is_array()) {
      const bool retweet = std::any_of(refs->begin(), refs->end(), [](const json& r) {
        return r.is_object() && r.value("type", "") == "retweeted";
      });
      if (retweet) continue;
    }
    const std::string created = endpoint.string(tweet, "created_at", path);
    const auto published = parse_iso8601(created);
    if (!published) throw endpoint.malformed("\"" + path + ".created_at\" is not a date: \"" + created + "\"");
    post.published = *published;
    const auto att = tweet.find("attachments");
    if (att == tweet.end()) continue;
    const auto keys = att->find("media_keys");
    if (keys == att->end() || !keys->is_array()) continue;
    // Positions follow attachments.media_keys (the order the tweet shows), never includes.media.
    for (const json& key : *keys) {
      if (!key.is_string()) throw endpoint.malformed("\"" + path + ".attachments.media_keys\" holds a non-string");
      const auto found = media.find(key.get<std::string>());
      if (found == media.end()) {
        throw endpoint.malformed("media \"" + key.get<std::string>() + "\" of tweet " + post.id +
                                 " is not in includes.media");
      }
      const json& m = *found->second;
      if (m.value("type", "") != "photo") continue;
      const std::string url = endpoint.string(m, "url", "includes.media[" + key.get<std::string>() + "]");
      if (post.image_urls.size() < 4) post.image_urls.push_back(url + (url.find('?') == std::string::npos ? "?" : "&") + "name=large");
    }
    if (!post.image_urls.empty()) out.push_back(std::move(post));
  }
  return out;
}

Listing XSource::list_posts(Lister lister, const ResolvedAccount& account, const std::string& cursor,
                            const StopPredicate& should_stop) {
  Listing listing;
  listing.cursor = cursor;
  const bool search = lister == Lister::search;
  const Endpoint endpoint{"x", search ? std::string("GET /2/tweets/search/") + (options_.search_all ? "all" : "recent")
                                      : std::string("GET /2/users/:id/tweets")};
  if (!numeric_id(account.id)) throw endpoint.upstream("account id \"" + account.id + "\" is not an X user id");
  // A search cursor of the original AOTF database is a date ("YYYY-MM-DD", UTC): imported
  // accounts resume from that day (start_time); cursors written by aotfd are tweet ids (since_id).
  const bool date_cursor = search && is_date(cursor);
  if (!cursor.empty() && !numeric_id(cursor) && !date_cursor) {
    throw endpoint.upstream("cursor \"" + cursor + "\" is neither a tweet id nor a YYYY-MM-DD date");
  }

  std::string base;
  if (search) {
    base = std::string("/2/tweets/search/") + (options_.search_all ? "all" : "recent") +
           "?query=" + http::url_encode("from:" + account.name + " has:images -is:retweet");
  } else {
    base = "/2/users/" + account.id + "/tweets?exclude=retweets";
  }
  base += "&max_results=" + std::to_string(options_.page_size) + "&" + kTweetFields;
  if (date_cursor) {
    const auto day = parse_iso8601(cursor + "T00:00:00Z");
    // /recent refuses a start_time older than its 7-day window; that window is all newer anyway.
    const auto oldest_allowed = std::chrono::system_clock::now() - std::chrono::hours(24 * 7 - 1);
    if (options_.search_all || (day && *day > oldest_allowed)) base += "&start_time=" + cursor + "T00:00:00Z";
  } else if (!cursor.empty()) {
    base += "&since_id=" + cursor;
  }

  std::string token;
  std::map<std::string, SocialPost, decltype(&id_less)> seen(&id_less);
  for (bool first = true;; first = false) {
    stop_if_asked(endpoint, should_stop);
    std::string url = base;
    if (!token.empty()) url += (search ? "&next_token=" : "&pagination_token=") + http::url_encode(token);
    const JsonAnswer answer = call(endpoint, url, should_stop);
    const json& meta = endpoint.object(answer.body, "meta", "");
    if (first) {
      if (const auto newest = meta.find("newest_id"); newest != meta.end()) {
        if (!newest->is_string() || !numeric_id(newest->get<std::string>())) throw endpoint.malformed("\"meta.newest_id\" is not a tweet id");
        listing.cursor = newest->get<std::string>();
      }
    }
    for (auto& post : parse_tweets(endpoint, answer.body, search ? account.id : std::string())) {
      if (!search && post.account_id != account.id) continue;
      std::string id = post.id;
      seen.emplace(std::move(id), std::move(post));
    }
    const auto next = meta.find("next_token");
    if (next == meta.end()) break;
    if (!next->is_string() || next->get<std::string>().empty()) throw endpoint.malformed("\"meta.next_token\" is not a string");
    if (next->get<std::string>() == token) throw endpoint.malformed("\"meta.next_token\" repeats the previous page's token");
    token = next->get<std::string>();
  }
  for (auto it = seen.rbegin(); it != seen.rend(); ++it) listing.posts.push_back(std::move(it->second));
  return listing;
}

std::vector<SocialPost> XSource::fetch_posts(const std::vector<std::string>& ids, const StopPredicate& should_stop) {
  const Endpoint endpoint{"x", "GET /2/tweets"};
  std::vector<std::string> valid;
  for (const auto& id : ids) {
    if (numeric_id(id) && std::find(valid.begin(), valid.end(), id) == valid.end()) valid.push_back(id);
  }
  std::vector<SocialPost> out;
  for (std::size_t start = 0; start < valid.size(); start += kLookupBatch) {
    stop_if_asked(endpoint, should_stop);
    const std::size_t end = std::min(valid.size(), start + kLookupBatch);
    std::string list;
    for (std::size_t i = start; i < end; ++i) list += (i == start ? "" : ",") + valid[i];
    const JsonAnswer answer = call(endpoint, "/2/tweets?ids=" + list + "&" + kTweetFields, should_stop);
    if (!answer.body.contains("data")) {
      // Every id must then be accounted for by an error entry.
      const auto errors = answer.body.find("errors");
      if (errors == answer.body.end() || !errors->is_array() || errors->size() < end - start) {
        throw endpoint.malformed("no \"data\" and fewer \"errors\" than the " + std::to_string(end - start) + " ids asked");
      }
    }
    for (auto& post : parse_tweets(endpoint, answer.body, "")) out.push_back(std::move(post));
  }
  return out;
}

}  // namespace aotf::sources
