#pragma once
// The JSON bodies of the original API (reference 11.3), with every field always present and the
// ids as strings, plus two additive fields on each account and each result: `platform` and `url`
// (the public page of the account or post, null for a platform aotfd cannot link to).

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <aotf/shm/pipelines.hpp>

namespace aotf::http_api {

using Json = nlohmann::ordered_json;

// A request the API answers for: its status, accounts, results and error.
[[nodiscard]] Json request_json(const shm::UserRequestSnapshot& request);
// No request behind the answer (NO_URL_FIELD, a per-IP refusal, ...): status null, no accounts,
// no results, the error code.
[[nodiscard]] Json error_json(shm::UserError error);

// https://x.com/<name> ; https://bsky.app/profile/<id or name>; empty for other platforms.
[[nodiscard]] std::string account_url(std::string_view platform, std::string_view name, std::string_view id);
// https://x.com/<name>/status/<id> (x.com/i/status/<id> without a name);
// https://bsky.app/profile/<did>/post/<rkey> from an at://<did>/app.bsky.feed.post/<rkey> URI;
// empty for other platforms or an id of another shape.
[[nodiscard]] std::string post_url(std::string_view platform, std::string_view post_id, std::string_view account_name);

// Strict UTF-8 (no overlong forms, surrogates or code points above U+10FFFF). Returns the number
// of code points, or nullopt when `text` is not UTF-8.
[[nodiscard]] std::optional<std::size_t> utf8_length(std::string_view text) noexcept;

}  // namespace aotf::http_api
