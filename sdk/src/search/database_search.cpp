#include "aotf/search/database_search.hpp"

#include <algorithm>

namespace aotf::search {

std::size_t load_index(db::Database& database, HammingIndex& index) {
  std::vector<ImageEntry> entries;
  database.for_each_fingerprint([&](std::int64_t row_id, int position, db::Fingerprint fingerprint) {
    entries.push_back({static_cast<std::uint64_t>(row_id), static_cast<std::uint8_t>(position), fingerprint});
  });
  index.build(entries);
  return entries.size();
}

void index_post(db::Database& database, HammingIndex& index, std::string_view platform, std::string_view post_id,
                std::optional<std::int64_t> previous_row_id) {
  if (previous_row_id) index.remove_post(static_cast<std::uint64_t>(*previous_row_id));
  const auto row_id = database.post_row_id(platform, post_id);
  if (!row_id) return;
  const auto post = database.post_by_row_id(*row_id);
  if (!post) return;
  index.remove_post(static_cast<std::uint64_t>(*row_id));  // adding twice must not duplicate
  std::vector<ImageEntry> entries;
  for (int k = 0; k < 4; ++k) {
    if (post->images[k].fingerprint) {
      entries.push_back({static_cast<std::uint64_t>(*row_id), static_cast<std::uint8_t>(k + 1),
                         *post->images[k].fingerprint});
    }
  }
  if (!entries.empty()) index.add(entries);
}

std::vector<db::Match> search_database(db::Database& database, const HammingIndex& index, std::uint64_t fingerprint,
                                       int radius, std::string_view platform, std::string_view account_id) {
  std::vector<db::Match> out;
  std::optional<std::uint64_t> cached_ref;
  std::optional<db::Post> cached;
  for (const Match& m : index.search(fingerprint, radius)) {
    if (!cached_ref || *cached_ref != m.post_ref) {
      cached_ref = m.post_ref;
      cached = database.post_by_row_id(static_cast<std::int64_t>(m.post_ref));
    }
    if (!cached) continue;  // replaced or gone since it was indexed
    const db::Post& post = *cached;
    if (!platform.empty() && post.platform != platform) continue;
    if (!account_id.empty() && post.account_id != account_id) continue;
    const db::PostImage& image = post.images[m.position - 1];
    if (!image.fingerprint || *image.fingerprint != m.fingerprint) continue;  // stale entry
    db::Match match;
    match.platform = post.platform;
    match.post_id = post.post_id;
    match.account_id = post.account_id;
    match.image_name = image.name.value_or("");
    match.position = m.position;
    match.images_count = static_cast<int>(
        std::count_if(post.images.begin(), post.images.end(), [](const db::PostImage& i) { return i.name.has_value(); }));
    match.fingerprint = m.fingerprint;
    match.distance = m.distance;
    out.push_back(std::move(match));
  }
  std::sort(out.begin(), out.end(), db::match_order);
  return out;
}

}  // namespace aotf::search
