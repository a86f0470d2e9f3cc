#pragma once
// Internal helpers of the connectors component.

#include <optional>
#include <string>
#include <string_view>

namespace aotf::detail {

[[nodiscard]] std::string to_lower(std::string_view s);
// The first X/Twitter account link in the text (reserved paths skipped), lower-case.
[[nodiscard]] std::optional<std::string> first_x_name(std::string_view text);
// The first Bluesky profile link in the text: a handle (lower-case) or a DID.
[[nodiscard]] std::optional<std::string> first_bluesky_handle(std::string_view text);

}  // namespace aotf::detail
