#pragma once
// The whole-database search with a Hamming radius: the in-memory HammingIndex over every
// fingerprint stored in the database, kept in step with it, and its matches resolved to posts.
//
// The index's post_ref is the post's row id in the database. A forced re-index replaces a post
// under a new row id: index_post() removes the old one; a match whose row no longer exists is
// dropped when resolved, so a stale entry can never produce a wrong answer.

#include <cstdint>
#include <string_view>
#include <vector>

#include <boost/config.hpp>

#include "aotf/db/database.hpp"
#include "aotf/search/hamming_index.hpp"

namespace aotf::search {

// Replaces the index's content with every fingerprint stored in the database (daemon start).
// Returns the number of images indexed.
BOOST_SYMBOL_VISIBLE std::size_t load_index(db::Database& database, HammingIndex& index);

// Brings the index up to date for one post after it was inserted or replaced in the database.
// `previous_row_id`: the row id the post had before a forced re-index, if any.
BOOST_SYMBOL_VISIBLE void index_post(db::Database& database, HammingIndex& index, std::string_view platform,
                                     std::string_view post_id, std::optional<std::int64_t> previous_row_id = {});

// Every stored image within `radius` bits of `fingerprint`, optionally limited to one platform
// or one account, resolved to its post and ordered as the original (distance, images in the post,
// post id). The same answer as comparing against every stored fingerprint.
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::vector<db::Match> search_database(
    db::Database& database, const HammingIndex& index, std::uint64_t fingerprint, int radius = kDefaultRadius,
    std::string_view platform = {}, std::string_view account_id = {});

}  // namespace aotf::search
