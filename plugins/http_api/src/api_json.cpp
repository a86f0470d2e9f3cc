#include "api_json.hpp"

namespace aotf::http_api {

namespace {

Json null_or(std::string_view text) { return text.empty() ? Json(nullptr) : Json(std::string(text)); }

bool safe_path_segment(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string account_url(std::string_view platform, std::string_view name, std::string_view id) {
  if (platform == "x" && safe_path_segment(name)) return "https://x.com/" + std::string(name);
  if (platform == "bluesky") {
    if (safe_path_segment(id)) return "https://bsky.app/profile/" + std::string(id);
    if (safe_path_segment(name)) return "https://bsky.app/profile/" + std::string(name);
  }
  return {};
}

std::string post_url(std::string_view platform, std::string_view post_id, std::string_view account_name) {
  if (platform == "x") {
    if (!safe_path_segment(post_id)) return {};
    const std::string who = safe_path_segment(account_name) ? std::string(account_name) : "i";
    return "https://x.com/" + who + "/status/" + std::string(post_id);
  }
  if (platform == "bluesky") {
    // at://did:plc:abc/app.bsky.feed.post/3kxyz
    constexpr std::string_view scheme = "at://";
    constexpr std::string_view collection = "/app.bsky.feed.post/";
    if (post_id.substr(0, scheme.size()) != scheme) return {};
    const std::string_view rest = post_id.substr(scheme.size());
    const auto at = rest.find(collection);
    if (at == std::string_view::npos) return {};
    const std::string_view did = rest.substr(0, at);
    const std::string_view rkey = rest.substr(at + collection.size());
    if (!safe_path_segment(did) || !safe_path_segment(rkey)) return {};
    return "https://bsky.app/profile/" + std::string(did) + "/post/" + std::string(rkey);
  }
  return {};
}

Json request_json(const shm::UserRequestSnapshot& request) {
  Json accounts = Json::array();
  for (const auto& account : request.accounts) {
    accounts.push_back({
        {"account_name", account.name},
        // The original wrote str(None) for the named account of a direct request.
        {"account_id", account.id.empty() ? std::string("None") : account.id},
        {"platform", account.platform},
        {"url", null_or(account_url(account.platform, account.name, account.id))},
    });
  }
  Json results = Json::array();
  for (const auto& post : request.results) {
    std::string_view name;
    for (const auto& account : request.accounts) {
      if (account.platform == post.platform && account.id == post.account_id) name = account.name;
    }
    results.push_back({
        {"tweet_id", post.post_id},
        {"account_id", post.account_id},
        {"image_position", std::to_string(post.image_position) + "/" + std::to_string(post.images_count)},
        {"distance", post.distance},
        {"platform", post.platform},
        {"url", null_or(post_url(post.platform, post.post_id, name))},
    });
  }
  return Json{
      {"status", null_or(shm::to_string(request.status))},
      {"has_first_time_scan", request.has_first_time_scan},
      {"twitter_accounts", std::move(accounts)},
      {"results", std::move(results)},
      {"error", null_or(shm::to_string(request.error))},
  };
}

Json error_json(shm::UserError error) {
  return Json{
      {"status", nullptr},
      {"has_first_time_scan", false},
      {"twitter_accounts", Json::array()},
      {"results", Json::array()},
      {"error", null_or(shm::to_string(error))},
  };
}

std::optional<std::size_t> utf8_length(std::string_view text) noexcept {
  std::size_t count = 0;
  std::size_t i = 0;
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
  while (i < text.size()) {
    const unsigned char lead = byte(i);
    std::size_t extra = 0;
    std::uint32_t code = 0;
    if (lead < 0x80) {
      code = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      extra = 1;
      code = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      extra = 2;
      code = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      extra = 3;
      code = lead & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + extra >= text.size()) return std::nullopt;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      const unsigned char next = byte(i + k);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      code = (code << 6) | (next & 0x3F);
    }
    if ((extra == 2 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
        (extra == 3 && (code < 0x10000 || code > 0x10FFFF))) {
      return std::nullopt;
    }
    i += extra + 1;
    ++count;
  }
  return count;
}

}  // namespace aotf::http_api
