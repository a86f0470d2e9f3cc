#include "whole_database_index.hpp"

#include <utility>

#include <aotf/search/database_search.hpp>

namespace aotf::user_pipeline {

std::size_t WholeDatabaseIndex::catch_up(db::Database& database) {
  std::lock_guard lock(mutex_);
  std::vector<search::ImageEntry> entries;
  std::int64_t last = last_row_id_;
  database.for_each_fingerprint_after(loaded_ ? last_row_id_ : -1,
                                      [&](std::int64_t row_id, int position, db::Fingerprint fingerprint) {
                                        entries.push_back({static_cast<std::uint64_t>(row_id),
                                                           static_cast<std::uint8_t>(position), fingerprint});
                                        if (row_id > last) last = row_id;
                                      });
  const std::size_t added = entries.size();
  if (!loaded_) {
    index_.build(std::move(entries));
    loaded_ = true;
  } else if (added != 0) {
    index_.add(entries);
  }
  last_row_id_ = last;
  return added;
}

std::vector<db::Match> WholeDatabaseIndex::search(db::Database& database, std::uint64_t fingerprint, int radius) {
  catch_up(database);
  return search::search_database(database, index_, fingerprint, radius);
}

WholeDatabaseIndex& process_index() {
  static WholeDatabaseIndex index;
  return index;
}

}  // namespace aotf::user_pipeline
