#pragma once
// The whole-database Hamming search of direct requests without an account. One in-memory
// HammingIndex per process (shared by the step 3 workers of that process), loaded from the
// database at the first search, then brought up to date before every search with the posts
// committed since (by any process): row ids only grow, so the rows above the highest id seen
// are exactly the new ones. A post re-indexed under a new row id leaves a stale entry behind;
// search_database drops matches whose row is gone, so it never shows in an answer.
#include <cstdint>
#include <mutex>
#include <vector>

#include <aotf/db/database.hpp>
#include <aotf/search/hamming_index.hpp>

namespace aotf::user_pipeline {

class WholeDatabaseIndex {
public:
  // Every stored image within `radius` bits of `fingerprint`, resolved and ordered (match_order).
  [[nodiscard]] std::vector<db::Match> search(db::Database& database, std::uint64_t fingerprint, int radius);
  // Loads the index on first use, else adds the rows committed since the last call. Returns the
  // number of images added.
  std::size_t catch_up(db::Database& database);
  [[nodiscard]] std::size_t size() const { return index_.size(); }

private:
  std::mutex mutex_;  // one catch-up at a time: two would add the same rows twice
  bool loaded_ = false;
  std::int64_t last_row_id_ = -1;
  search::HammingIndex index_;
};

// The index of this process.
[[nodiscard]] WholeDatabaseIndex& process_index();

}  // namespace aotf::user_pipeline
