#include "aotf/connectors/link_multiplexer.hpp"

#include <algorithm>
#include <array>
#include <regex>

#include <nlohmann/json.hpp>

#include "aotf/connectors/html.hpp"
#include "urls.hpp"

namespace aotf {

namespace {

using nlohmann::json;

constexpr auto icase = std::regex::ECMAScript | std::regex::icase;

// "https://" is optional in every pattern: links in pages are sometimes written without it.
const std::regex kDeviantArtArtwork(
    R"(^(?:https?://)?(?:(?:www\.)?deviantart\.com/[A-Za-z0-9_-]+/art/|[A-Za-z0-9-]+\.deviantart\.com/art/))", icase);
const std::regex kDeviantArtProfile(R"(^(?:https?://)?(?:www\.)?deviantart\.com/([A-Za-z0-9_-]+)(?:[/?#]|$))", icase);
const std::regex kDeviantArtSubdomainProfile(R"(^(?:https?://)?([A-Za-z0-9-]+)\.deviantart\.com(?:[/?#]|$))", icase);
const std::regex kPixivArtwork(
    R"(^(?:https?://)?(?:www\.)?pixiv\.net/(?:(?:en/)?artworks/\d+|member_illust\.php\?(?:.*&)?illust_id=\d+))", icase);
const std::regex kPixivProfile(R"(^(?:https?://)?(?:www\.)?pixiv\.net/(?:en/)?users/(\d+))", icase);
const std::regex kPixivProfileOld(R"(^(?:https?://)?(?:www\.)?pixiv\.net/member\.php\?(?:.*&)?id=(\d+))", icase);
const std::regex kLinktree(R"(^(?:https?://)?(?:www\.)?linktr\.ee/([A-Za-z0-9_.]+))", icase);
const std::regex kPatreon(R"(^(?:https?://)?(?:www\.)?patreon\.com/([A-Za-z0-9]+))", icase);
// DeviantArt sends every outgoing link of a description through this page.
const std::regex kDeviantArtOutgoing(R"(^(?:https?://)?(?:www\.)?deviantart\.com/users/outgoing\?(.+)$)", icase);
const std::regex kCarrd(R"(^(?:https?://)?([a-z0-9-]{3,}\.(?:carrd\.co|crd\.co|uwu\.ai))(?:[/?#]|$))", icase);

// deviantart.com/<word> pages that are not profiles.
constexpr std::array<std::string_view, 21> kDeviantArtReserved{
    "tag",   "art",   "users",         "search",     "about",      "join",  "submit",
    "core-membership", "account", "settings", "chat", "groups", "shop", "forum",
    "notifications", "watch", "daily-deviations", "topic", "popular", "developers", "team"};

bool search(std::string_view text, const std::regex& re, std::match_results<std::string_view::const_iterator>& m) {
  return std::regex_search(text.begin(), text.end(), m, re);
}

// The depth counter of a LinkRequest, released on every exit path.
class Nesting {
public:
  explicit Nesting(LinkRequest& request) : request_(request), entered_(request.enter()) {}
  ~Nesting() {
    if (entered_) request_.leave();
  }
  Nesting(const Nesting&) = delete;
  Nesting& operator=(const Nesting&) = delete;
  [[nodiscard]] bool entered() const noexcept { return entered_; }

private:
  LinkRequest& request_;
  bool entered_;
};

void append(std::vector<Account>& to, std::vector<Account> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

// Reads a JSON document a page embeds; a page whose JSON does not parse changed its layout.
json parse_embedded_json(const std::string& text, const std::string& site, const std::string& what,
                         const std::string& where) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) throw LayoutError(site, what + " (valid JSON)", where);
  return parsed;
}

}  // namespace

// --- LinkRequest -----------------------------------------------------------------------------

LinkRequest::LinkRequest(std::vector<Site*> sites, LinkRequestOptions options)
    : sites_(std::move(sites)), options_(std::move(options)) {}

bool LinkRequest::first_visit(std::string key) { return visited_.insert(std::move(key)).second; }

bool LinkRequest::was_visited(std::string_view key) const { return visited_.find(key) != visited_.end(); }

bool LinkRequest::platform_enabled(std::string_view platform) const {
  return std::find(options_.platforms.begin(), options_.platforms.end(), platform) != options_.platforms.end();
}

Site* LinkRequest::booru_source_site(std::string_view url) const {
  for (Site* site : sites_)
    if (site->followed_from_booru_source() && site->owns(url)) return site;
  return nullptr;
}

bool LinkRequest::enter() {
  if (depth_ + 1 > options_.depth_limit + extra_limit_) return false;
  ++depth_;
  return true;
}

void LinkRequest::leave() noexcept { --depth_; }

// --- LinkMultiplexer -------------------------------------------------------------------------

LinkMultiplexer::LinkMultiplexer(http::Client& client, MultiplexerOptions options)
    : client_(&client), options_(std::move(options)) {}

http::Response LinkMultiplexer::fetch(const std::string& url, LinkRequest& request,
                                      const std::vector<int>& retry_statuses) {
  http::RetryPolicy policy = options_.retry;
  policy.retry_statuses.insert(policy.retry_statuses.end(), retry_statuses.begin(), retry_statuses.end());
  if (request.options().should_stop) policy.should_stop = request.options().should_stop;
  return client_->get_with_budget(url, policy);
}

std::vector<Account> LinkMultiplexer::follow_all(const std::vector<std::string>& links, LinkSource source,
                                                 LinkRequest& request) {
  std::vector<Account> found;
  for (const auto& link : links)
    if (is_valid_url(link)) append(found, follow(link, source, request));
  return found;
}

std::vector<Account> LinkMultiplexer::follow(std::string_view url, LinkSource source, LinkRequest& request) {
  // Account links count at any depth.
  if (auto account = account_from_url(url)) {
    if (!request.platform_enabled(account->platform)) return {};
    return {std::move(*account)};
  }
  std::match_results<std::string_view::const_iterator> m;
  if (search(url, kDeviantArtOutgoing, m)) {
    const std::string target = m[1].str();
    return is_valid_url(target) ? follow(target, source, request) : std::vector<Account>{};
  }
  Nesting nesting(request);
  if (!nesting.entered()) return {};

  if (search(url, kDeviantArtArtwork, m) || search(url, kPixivArtwork, m)) {
    if (source != LinkSource::BooruSource) return {};
    return booru_source_artwork(url, request);
  }
  if (search(url, kDeviantArtProfile, m) || search(url, kDeviantArtSubdomainProfile, m)) {
    const std::string name = detail::to_lower(m[1].str());
    // Service hosts of deviantart.com are not <artist>.deviantart.com profiles.
    if (name == "www" || name == "backend" || name == "api" || name == "help" || name == "about" || std::find(kDeviantArtReserved.begin(), kDeviantArtReserved.end(), name) !=
                             kDeviantArtReserved.end())
      return {};
    if (source == LinkSource::DeviantArtTextarea) return {};
    if (!request.first_visit("deviantart-profile:" + name)) return {};
    return deviantart_profile(name, request);
  }
  if (search(url, kPixivProfile, m) || search(url, kPixivProfileOld, m)) {
    const std::string id = m[1].str();
    if (!request.first_visit("pixiv-profile:" + id)) return {};
    return pixiv_profile(id, request);
  }
  if (search(url, kLinktree, m)) {
    const std::string name = m[1].str();
    if (!request.first_visit("linktree:" + detail::to_lower(name))) return {};
    return linktree(name, request);
  }
  if (search(url, kPatreon, m)) {
    const std::string name = m[1].str();
    const std::string lname = detail::to_lower(name);
    if (lname == "posts" || lname == "policy") return {};
    if (!request.first_visit("patreon:" + lname)) return {};
    return body_links("Patreon", options_.patreon_base + "/" + name, request);
  }
  if (search(url, kCarrd, m)) {
    const std::string host = detail::to_lower(m[1].str());
    if (host.rfind("www.", 0) == 0) return {};
    if (!request.first_visit("carrd:" + host)) return {};
    const std::string page =
        options_.carrd_base.empty() ? "https://" + host + "/" : options_.carrd_base + "/" + host + "/";
    return body_links("Carrd", page, request);
  }
  return {};
}

std::vector<Account> LinkMultiplexer::booru_source_artwork(std::string_view url, LinkRequest& request) {
  Site* site = request.booru_source_site(url);
  if (!site) return {};
  if (!request.first_visit("artwork:" + std::string(url))) return {};
  // The artwork lookup adds a level of its own (artwork → profile), so allow one more.
  request.raise_limit();
  struct Lower {
    LinkRequest& r;
    ~Lower() { r.lower_limit(); }
  } lower{request};
  auto artwork = site->lookup(url, request);
  if (!artwork) return {};
  return std::move(artwork->accounts);
}

std::vector<Account> LinkMultiplexer::deviantart_profile(const std::string& name, LinkRequest& request) {
  const std::string url = options_.deviantart_base + "/" + name + "/about";
  const http::Response response = fetch(url, request, {403});
  if (response.status == 404) return {};
  if (response.status != 200)
    throw SiteError("DeviantArt", "profile page " + url + " answered status " + std::to_string(response.status));
  const html::Document page(response.body);
  const html::Node about = page.find("section#about");
  if (!about) throw LayoutError("DeviantArt", "section#about", url);
  return follow_all(about.links(), LinkSource::DeviantArtTextarea, request);
}

std::vector<Account> LinkMultiplexer::pixiv_profile(const std::string& user_id, LinkRequest& request) {
  const std::string url = options_.pixiv_base + "/en/users/" + user_id;
  const http::Response response = fetch(url, request);
  if (response.status == 403 || response.status == 404) return {};
  if (response.status != 200)
    throw SiteError("Pixiv", "profile page " + url + " answered status " + std::to_string(response.status));
  const html::Document page(response.body);
  const html::Node meta = page.find("meta#meta-preload-data");
  if (!meta) throw LayoutError("Pixiv", "meta#meta-preload-data", url);
  const json data = parse_embedded_json(meta.attr("content").value_or(""), "Pixiv",
                                        "the content of meta#meta-preload-data", url);
  const json* user = nullptr;
  if (data.contains("user") && data["user"].is_object() && data["user"].contains(user_id))
    user = &data["user"][user_id];
  if (!user || !user->is_object()) throw LayoutError("Pixiv", "user." + user_id + " in meta#meta-preload-data", url);

  std::vector<Account> found;
  if (auto it = user->find("webpage"); it != user->end() && it->is_string()) {
    const std::string webpage = it->get<std::string>();
    if (is_valid_url(webpage)) append(found, follow(webpage, LinkSource::Page, request));
  }
  // "social" is an object when filled and an empty array when not.
  if (auto social = user->find("social"); social != user->end() && social->is_object()) {
    for (const char* key : {"twitter", "bluesky"}) {
      auto entry = social->find(key);
      if (entry == social->end() || !entry->is_object()) continue;
      auto link = entry->find("url");
      if (link != entry->end() && link->is_string()) append(found, follow(link->get<std::string>(), LinkSource::Page, request));
    }
  }
  // The first account link of each platform written in the bio.
  if (auto comment = user->find("comment"); comment != user->end() && comment->is_string()) {
    const std::string bio = comment->get<std::string>();
    if (auto name = detail::first_x_name(bio); name && request.platform_enabled("x"))
      found.push_back({"x", std::move(*name)});
    if (auto handle = detail::first_bluesky_handle(bio); handle && request.platform_enabled("bluesky"))
      found.push_back({"bluesky", std::move(*handle)});
  }
  return found;
}

std::vector<Account> LinkMultiplexer::linktree(const std::string& name, LinkRequest& request) {
  const std::string url = options_.linktree_base + "/" + name;
  const http::Response response = fetch(url, request);
  if (response.status == 404) return {};
  if (response.status != 200)
    throw SiteError("Linktree", "page " + url + " answered status " + std::to_string(response.status));
  const html::Document page(response.body);
  const html::Node script = page.find("script#__NEXT_DATA__");
  if (!script) throw LayoutError("Linktree", "script#__NEXT_DATA__", url);
  const json data = parse_embedded_json(script.text(), "Linktree", "the content of script#__NEXT_DATA__", url);
  const json* account = nullptr;
  if (data.contains("props") && data["props"].is_object() && data["props"].contains("pageProps") &&
      data["props"]["pageProps"].is_object() && data["props"]["pageProps"].contains("account"))
    account = &data["props"]["pageProps"]["account"];
  if (!account || !account->is_object()) throw LayoutError("Linktree", "props.pageProps.account", url);

  std::vector<Account> found;
  json gated = json::array();
  for (const char* list : {"links", "socialLinks"}) {
    // socialLinks moved between versions of the page: also looked for next to the account.
    const json& props = data["props"]["pageProps"];
    const json* links = account->contains(list) ? &(*account)[list] : props.contains(list) ? &props[list] : nullptr;
    if (!links) continue;
    if (!links->is_array()) throw LayoutError("Linktree", std::string("props.pageProps.account.") + list + " (a list)", url);
    for (const json& link : *links) {
      if (!link.is_object()) continue;
      auto u = link.find("url");
      if (u != link.end() && u->is_string()) {
        const std::string target = u->get<std::string>();
        if (is_valid_url(target)) append(found, follow(target, LinkSource::Page, request));
        continue;
      }
      // A link behind the sensitive-content gate has no URL until the gate is passed.
      bool sensitive = false;
      if (auto locked = link.find("locked"); locked != link.end())
        sensitive = (locked->is_boolean() && locked->get<bool>()) || locked->is_object();
      if (auto rules = link.find("rules"); rules != link.end() && rules->is_object()) {
        auto gate = rules->find("gate");
        if (gate != rules->end() && gate->is_object()) {
          auto order = gate->find("activeOrder");
          if (order != gate->end() && order->is_array())
            for (const json& g : *order)
              sensitive = sensitive || (g.is_string() && g.get<std::string>() == "sensitiveContent");
        }
      }
      if (sensitive && link.contains("id")) gated.push_back(link["id"]);
    }
  }
  if (!gated.empty()) {
    const json body = {{"accountId", account->value("id", json())},
                       {"validationInput", {{"acceptedSensitiveContent", gated}}},
                       {"requestSource", {{"referrer", nullptr}}}};
    const std::string gates_url = options_.linktree_base + "/api/profiles/validation/gates";
    http::Request post;
    post.method = "POST";
    post.url = gates_url;
    post.body = body.dump();
    post.content_type = "application/json";
    http::RetryPolicy policy = options_.retry;
    if (request.options().should_stop) policy.should_stop = request.options().should_stop;
    const http::Response answer = client_->send_with_budget(post, policy);
    if (answer.status != 200)
      throw SiteError("Linktree", "the sensitive-content gate " + gates_url + " answered status " +
                                      std::to_string(answer.status));
    const json unlocked = parse_embedded_json(answer.body, "Linktree", "the answer of the gate", gates_url);
    if (!unlocked.is_object() || !unlocked.contains("links") || !unlocked["links"].is_array())
      throw LayoutError("Linktree", "links (a list)", gates_url);
    for (const json& link : unlocked["links"]) {
      if (!link.is_object() || !link.contains("url") || !link["url"].is_string()) continue;
      const std::string target = link["url"].get<std::string>();
      if (is_valid_url(target)) append(found, follow(target, LinkSource::Page, request));
    }
  }
  return found;
}

std::vector<Account> LinkMultiplexer::body_links(const std::string& site, const std::string& url, LinkRequest& request) {
  const http::Response response = fetch(url, request);
  if (response.status == 404) return {};
  if (response.status != 200)
    throw SiteError(site, "page " + url + " answered status " + std::to_string(response.status));
  const html::Document page(response.body);
  return follow_all(page.body().links(), LinkSource::Page, request);
}

}  // namespace aotf
