// The step C queue (posts and cursor instructions of every account, one FIFO) and the
// per-worker "post being indexed" slots, under PipelineState::step_c_mutex.
//
// Invariants (restored by repair_step_c): head <= tail <= head + capacity; every string is
// terminated. A push writes the item then moves tail; a pop writes the worker's indexing slot
// then moves head, so a worker killed in between leaves its post both declared and still queued
// (indexed twice at worst, never lost).
#include <cstddef>
#include <thread>

#include "aotf/shm/pipelines.hpp"
#include "pipeline_records.hpp"

namespace aotf::shm {

using detail::IndexingRecord;
using detail::StepCRecord;

namespace {

struct StepC {
  Segment& segment;
  PipelineState& s;
  std::uint32_t capacity;
  std::uint32_t workers;
  StepCRecord* items;
  IndexingRecord* slots;

  explicit StepC(Segment& seg)
      : segment(seg),
        s(seg.pipelines()),
        capacity(s.capacities.step_c_queue),
        workers(s.capacities.workers),
        items(detail::at<StepCRecord>(s, s.step_c_items_offset)),
        slots(detail::at<IndexingRecord>(s, s.indexing_offset)) {}

  detail::PipelineLock lock() {
    return detail::PipelineLock(s.step_c_mutex, [this] { detail::repair_step_c(segment); });
  }
  auto repair() {
    return [this] { detail::repair_step_c(segment); };
  }

  [[nodiscard]] std::uint64_t size() const { return s.step_c_tail - s.step_c_head; }

  IndexingRecord* slot_of(std::string_view worker, bool create) {
    IndexingRecord* free = nullptr;
    for (std::uint32_t i = 0; i < workers; ++i) {
      if (slots[i].worker[0] == '\0') {
        if (!free) free = &slots[i];
      } else if (worker == slots[i].worker) {
        return &slots[i];
      }
    }
    if (!create) return nullptr;
    if (!free) {
      detail::refuse_full(segment, "the step C indexing slots are full (" + std::to_string(workers) +
                                       " workers); raise runtime.workers");
    }
    std::memset(static_cast<void*>(free), 0, sizeof *free);
    detail::publication_point();
    detail::put(free->worker, worker);
    return free;
  }

  // Pushes `count` items, fill(record, index) writing each; waits for room up to `timeout`.
  template <typename Fill>
  void push(std::size_t count, std::chrono::milliseconds timeout, const Fill& fill) {
    std::optional<std::chrono::steady_clock::time_point> deadline;  // read the clock only to wait
    auto held = lock();
    for (std::size_t i = 0; i < count; ++i) {
      while (size() >= capacity) {
        if (!deadline) deadline = std::chrono::steady_clock::now() + timeout;
        s.step_c_not_empty.notify_all();  // consumers first: they make the room
        if (!detail::wait_slice(segment, s.step_c_not_full, s.step_c_mutex, *deadline, repair())) {
          detail::refuse_full(segment, "the step C queue is full (" + std::to_string(capacity) +
                                           " posts waiting to be indexed); raise runtime.step_c_queue");
        }
      }
      StepCRecord& item = items[s.step_c_tail % capacity];
      std::memset(static_cast<void*>(&item), 0, offsetof(StepCRecord, text) + 1);
      fill(item, i);
      detail::crash_point(fault_injection::CrashPoint::StepCPushBeforePublish);
      detail::publication_point();
      s.step_c_tail = s.step_c_tail + 1;
    }
    if (count == 1) {
      s.step_c_not_empty.notify_one();
    } else {
      s.step_c_not_empty.notify_all();
    }
  }
};

// Checked without building a message unless something is wrong: pushing is the hot path.
void check_post(const PostToIndex& post) {
  const auto bad_text = [](std::string_view v, std::size_t max) {
    return v.size() > max || v.find('\0') != std::string_view::npos;
  };
  if (post.platform.empty() || bad_text(post.platform, kMaxPlatform)) detail::check_platform("post platform", post.platform);
  for (char c : post.platform) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      detail::check_platform("post platform", post.platform);
    }
  }
  if (post.post_id.empty()) throw PipelineError("post ID is empty");
  if (bad_text(post.post_id, kMaxPostId)) detail::check_text("post ID", post.post_id, kMaxPostId);
  if (bad_text(post.account_id, kMaxAccountId)) detail::check_text("post account ID", post.account_id, kMaxAccountId);
  if (post.image_urls.empty() || post.image_urls.size() > kMaxImages) {
    throw PipelineError("post " + post.post_id + " has " + std::to_string(post.image_urls.size()) +
                        " image URLs; 1 to 4 are indexed");
  }
  std::size_t total = 0;
  for (std::size_t i = 0; i < post.image_urls.size(); ++i) {
    if (bad_text(post.image_urls[i], kMaxImageUrl)) {
      detail::check_text("post " + post.post_id + " image URL " + std::to_string(i + 1), post.image_urls[i],
                         kMaxImageUrl);
    }
    total += post.image_urls[i].size() + 1;
  }
  if (total > kMaxPostImagesBytes) {
    throw PipelineError("the image URLs of post " + post.post_id + " take " + std::to_string(total) +
                        " bytes together; at most " + std::to_string(kMaxPostImagesBytes) + " are kept");
  }
}

void write_post(StepCRecord& r, const PostToIndex& post) {
  r.kind = StepCItem::Post;
  detail::put(r.platform, post.platform);
  detail::put(r.post_id, post.post_id);
  detail::put(r.account_id, post.account_id);
  r.force_index = post.force_index ? 1 : 0;
  r.was_failed_post = post.was_failed_post ? 1 : 0;
  char* p = r.text;
  for (const auto& url : post.image_urls) {
    std::memcpy(p, url.data(), url.size());
    p[url.size()] = '\0';
    p += url.size() + 1;
  }
  r.image_count = static_cast<std::uint8_t>(post.image_urls.size());
}

StepCItem read_item(const StepCRecord& r) {
  StepCItem out;
  out.kind = static_cast<StepCItem::Kind>(r.kind);
  if (out.kind == StepCItem::Post) {
    out.post.platform = r.platform;
    out.post.post_id = r.post_id;
    out.post.account_id = r.account_id;
    out.post.force_index = r.force_index != 0;
    out.post.was_failed_post = r.was_failed_post != 0;
    const char* p = r.text;
    out.post.image_urls.reserve(r.image_count);
    for (std::uint8_t i = 0; i < r.image_count && i < kMaxImages; ++i) {
      out.post.image_urls.emplace_back(p);
      p += out.post.image_urls.back().size() + 1;
    }
  } else {
    out.cursor.listing = static_cast<Listing>(r.listing);
    out.cursor.cursor = r.text;
    out.cursor.scan = r.scan;
    out.cursor.platform = r.platform;
    out.cursor.account_id = r.account_id;
    out.cursor.account_name = r.account_name;
  }
  return out;
}

}  // namespace

namespace detail {

void repair_step_c(Segment& segment) {
  StepC c(segment);
  PipelineState& s = c.s;
  if (s.step_c_tail < s.step_c_head || s.step_c_tail - s.step_c_head > c.capacity) {
    s.step_c_tail = s.step_c_head;  // cannot happen with single-store publication; stay usable
  }
  for (std::uint64_t i = s.step_c_head; i != s.step_c_tail; ++i) {
    StepCRecord& r = c.items[i % c.capacity];
    terminate(r.platform);
    terminate(r.post_id);
    terminate(r.account_id);
    terminate(r.account_name);
    terminate(r.text);
    if (r.kind != StepCItem::Post && r.kind != StepCItem::Cursor) r.kind = StepCItem::Cursor;
  }
  for (std::uint32_t i = 0; i < c.workers; ++i) {
    IndexingRecord& r = c.slots[i];
    terminate(r.worker);
    terminate(r.platform);
    terminate(r.post_id);
    terminate(r.account_id);
  }
}

}  // namespace detail

void StepCQueue::push(const PostToIndex& post, std::chrono::milliseconds timeout) {
  check_post(post);
  StepC(segment_).push(1, timeout, [&](StepCRecord& r, std::size_t) { write_post(r, post); });
}

void StepCQueue::push(const std::vector<PostToIndex>& posts, std::chrono::milliseconds timeout) {
  for (const auto& post : posts) check_post(post);
  if (posts.empty()) return;
  StepC(segment_).push(posts.size(), timeout, [&](StepCRecord& r, std::size_t i) { write_post(r, posts[i]); });
}

void StepCQueue::push(const CursorInstruction& instruction, std::chrono::milliseconds timeout) {
  detail::check_platform("cursor instruction platform", instruction.platform);
  detail::check_text("cursor value", instruction.cursor, kMaxCursor);
  detail::check_text("cursor instruction account ID", instruction.account_id, kMaxAccountId);
  detail::check_text("cursor instruction account name", instruction.account_name, kMaxAccountName);
  StepC(segment_).push(1, timeout, [&](StepCRecord& r, std::size_t) {
    r.kind = StepCItem::Cursor;
    r.listing = static_cast<std::uint8_t>(instruction.listing);
    r.scan = instruction.scan;
    detail::put(r.platform, instruction.platform);
    detail::put(r.account_id, instruction.account_id);
    detail::put(r.account_name, instruction.account_name);
    detail::put(r.text, instruction.cursor);
  });
}

StepCPop StepCQueue::pop_and_declare(std::string_view worker, bool first_time, std::chrono::milliseconds timeout) {
  if (worker.empty()) throw PipelineError("step C worker name is empty");
  if (worker.size() > 63) detail::check_text("step C worker name", worker, 63);
  std::optional<std::chrono::steady_clock::time_point> deadline;  // read the clock only to wait
  StepCPop out;
  // The item is copied out under the lock and turned into strings after it: the lock is held
  // for a copy, not for allocations.
  StepCRecord copy;
  {
    StepC c(segment_);
    auto lock = c.lock();
    IndexingRecord* slot = c.slot_of(worker, true);
    if (first_time && slot->busy) {
      out.crashed = IndexingPost{slot->platform, slot->post_id, slot->account_id};
      slot->busy = 0;
    }
    while (c.size() == 0) {
      if (!deadline) deadline = std::chrono::steady_clock::now() + timeout;
      if (!detail::wait_slice(segment_, c.s.step_c_not_empty, c.s.step_c_mutex, *deadline, c.repair())) return out;
    }
    const StepCRecord& item = c.items[c.s.step_c_head % c.capacity];
    std::memcpy(static_cast<void*>(&copy), &item, sizeof copy);
    if (item.kind == StepCItem::Post) {
      slot->busy = 0;
      detail::publication_point();
      detail::put(slot->platform, std::string_view(item.platform));
      detail::put(slot->post_id, std::string_view(item.post_id));
      detail::put(slot->account_id, std::string_view(item.account_id));
      slot->sequence = ++c.s.indexing_sequence;
      detail::publication_point();
      slot->busy = 1;
    } else {
      slot->busy = 0;
    }
    detail::crash_point(fault_injection::CrashPoint::StepCPopAfterDeclare);
    detail::publication_point();
    c.s.step_c_head = c.s.step_c_head + 1;
    c.s.step_c_not_full.notify_one();
  }
  out.item = read_item(copy);
  return out;
}

void StepCQueue::clear(std::string_view worker) {
  StepC c(segment_);
  auto lock = c.lock();
  if (IndexingRecord* slot = c.slot_of(worker, false)) slot->busy = 0;
}

std::vector<IndexingEntry> StepCQueue::indexing_snapshot() {
  StepC c(segment_);
  auto lock = c.lock();
  std::vector<IndexingEntry> out;
  for (std::uint32_t i = 0; i < c.workers; ++i) {
    const IndexingRecord& r = c.slots[i];
    if (r.worker[0] == '\0' || !r.busy) continue;
    out.push_back({r.worker, r.sequence, {r.platform, r.post_id, r.account_id}});
  }
  return out;
}

bool StepCQueue::still_indexing(const IndexingEntry& entry, std::string_view platform, std::string_view account_id) {
  if (entry.post.platform != platform || entry.post.account_id != account_id) return false;
  StepC c(segment_);
  auto lock = c.lock();
  const IndexingRecord* r = c.slot_of(entry.worker, false);
  return r && r->busy && r->sequence == entry.sequence;
}

bool StepCQueue::wait_for_account_posts(std::string_view platform, std::string_view account_id,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<IndexingEntry> pending;
  for (auto& entry : indexing_snapshot()) {
    if (entry.post.platform == platform && entry.post.account_id == account_id) pending.push_back(std::move(entry));
  }
  while (!pending.empty()) {
    std::erase_if(pending, [&](const IndexingEntry& e) { return !still_indexing(e, platform, account_id); });
    if (pending.empty()) break;
    if (!segment_.running() || std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::size_t StepCQueue::size() {
  StepC c(segment_);
  auto lock = c.lock();
  return static_cast<std::size_t>(c.size());
}

}  // namespace aotf::shm
