#pragma once
// Private to sdk/src/shm: the fixed-size records that follow PipelineState in the segment, and
// the helpers the four structures share. Nothing here holds a pointer; a record is published by
// writing its key hash last and unpublished by clearing it first, so a holder killed half way
// leaves a record that the repair either sees whole or ignores.

#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "aotf/shm/pipelines.hpp"

namespace aotf::shm::detail {

inline constexpr std::uint64_t kPipelineMagic = 0x5350'4950'4c45'5031ULL;

struct AccountRecord {
  char platform[kMaxPlatform + 1];
  char name[kMaxAccountName + 1];
  char id[kMaxAccountId + 1];
};

struct ResultRecord {
  char platform[kMaxPlatform + 1];
  char post_id[kMaxPostId + 1];
  char account_id[kMaxAccountId + 1];
  std::uint8_t position, count, distance;
};

struct UserRecord {
  std::uint32_t generation;
  std::int8_t status;
  std::uint8_t error;
  std::uint8_t is_direct;
  std::uint8_t has_first_time_scan;
  std::uint8_t scans_launched;
  std::uint8_t queued;  // 0 = in no queue, else the step (1..3) whose queue holds it
  std::uint8_t image_count, account_count, scan_count, result_count;
  std::uint64_t queue_sequence;
  std::int64_t created_ms, finished_ms, published_ms, last_seen_ms;
  char key[kMaxInputUrl + 1];
  char ip[kMaxIpAddress + 1];
  char images[kMaxImages][kMaxImageUrl + 1];
  AccountRecord accounts[kMaxAccounts];
  RequestRef scans[kMaxScans];
  ResultRecord results[kMaxResults];
};

struct IpRecord {
  char ip[kMaxIpAddress + 1];
  std::uint32_t unfinished;
};

struct ScanRecord {
  std::uint32_t generation;
  std::uint8_t is_priority, reset_search_cursor, unfound, blocklisted, has_failed;
  std::uint8_t started[2], finished[2];
  std::uint8_t queued[2];  // per listing: 0 = in no queue, 1 = in a queue
  std::uint64_t queue_sequence[2];
  std::int64_t created_ms, finished_ms;
  char platform[kMaxPlatform + 1];
  char account_id[kMaxAccountId + 1];
  char account_name[kMaxAccountName + 1];
};

struct StepCRecord {
  std::uint8_t kind, force_index, was_failed_post, listing, image_count;
  RequestRef scan;
  char platform[kMaxPlatform + 1];
  char post_id[kMaxPostId + 1];
  char account_id[kMaxAccountId + 1];
  char account_name[kMaxAccountName + 1];
  char text[kMaxPostImagesBytes + 4];  // a post: its image URLs, NUL separated; a cursor: its value
};

struct IndexingRecord {
  char worker[64];  // empty = free slot
  std::uint8_t busy;
  std::uint64_t sequence;
  char platform[kMaxPlatform + 1];
  char post_id[kMaxPostId + 1];
  char account_id[kMaxAccountId + 1];
};

struct LimiterRecord {
  char ip[kMaxIpAddress + 1];
  std::int64_t last_ms;
};

inline PipelineState& state(Segment& segment) noexcept { return segment.pipelines(); }

template <typename T>
T* at(PipelineState& s, std::uint64_t offset) noexcept {
  return reinterpret_cast<T*>(reinterpret_cast<std::byte*>(&s) + offset);
}

// FNV-1a; never 0 (0 marks a free slot).
inline std::uint64_t key_hash(std::string_view a, std::string_view b = {}, std::uint8_t salt = 0) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ salt;
  for (unsigned char c : a) h = (h ^ c) * 0x100000001b3ULL;
  h = (h ^ 0xffu) * 0x100000001b3ULL;
  for (unsigned char c : b) h = (h ^ c) * 0x100000001b3ULL;
  return h == 0 ? 1 : h;
}

// Keeps the compiler from moving stores across a publication point: a process killed there
// must leave every earlier store done and no later one.
inline void publication_point() noexcept { std::atomic_signal_fence(std::memory_order_seq_cst); }

void crash_point(fault_injection::CrashPoint point) noexcept;

// Throws PipelineError when `value` is longer than `max` or holds a NUL byte.
void check_text(std::string_view what, std::string_view value, std::size_t max);
void check_platform(std::string_view what, std::string_view platform);

// copy_bounded with memcpy (the hot paths copy several strings per item).
template <std::size_t N>
void put(char (&out)[N], std::string_view text) noexcept {
  const std::size_t n = text.size() < N - 1 ? text.size() : N - 1;
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

template <std::size_t N>
void terminate(char (&text)[N]) noexcept {
  text[N - 1] = '\0';
}

// A FIFO ring over a fixed array, head and tail counting up forever. One store publishes a push
// (tail) or a pop (head), so a killed holder leaves the ring whole; compaction (removal from the
// middle) is not atomic and is repaired by rebuilding the ring from the records.
struct Ring {
  std::uint32_t& head;
  std::uint32_t& tail;
  std::uint64_t* items;
  std::uint32_t capacity;

  [[nodiscard]] std::uint32_t size() const noexcept { return tail - head; }
  [[nodiscard]] bool full() const noexcept { return size() >= capacity; }
  void push(std::uint64_t item) noexcept {
    items[tail % capacity] = item;
    publication_point();
    tail = tail + 1;
  }
  [[nodiscard]] std::uint64_t front() const noexcept { return items[head % capacity]; }
  void pop() noexcept { head = head + 1; }
  template <typename Keep>
  void compact(Keep keep) noexcept {
    std::uint32_t write = head;
    for (std::uint32_t read = head; read != tail; ++read) {
      const std::uint64_t item = items[read % capacity];
      if (keep(item)) items[(write++) % capacity] = item;
    }
    tail = write;
  }
  void reset() noexcept {
    head = 0;
    tail = 0;
  }
};

inline std::uint64_t pack(RequestRef ref) noexcept { return (std::uint64_t{ref.slot} << 32) | ref.generation; }
inline RequestRef unpack(std::uint64_t item, RequestRef::Kind kind) noexcept {
  return {kind, static_cast<std::uint32_t>(item >> 32), static_cast<std::uint32_t>(item)};
}

// Waits on `cond` in slices so a stopped daemon is noticed; false once `deadline` passed or the
// daemon stopped.
template <typename Repair>
bool wait_slice(Segment& segment, SharedCondition& cond, RobustMutex& mutex,
                std::chrono::steady_clock::time_point deadline, const Repair& repair) {
  if (!segment.running()) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now >= deadline) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                    std::chrono::milliseconds(1);
  cond.wait_for(mutex, std::min(left, std::chrono::milliseconds(250)), repair);
  return true;
}

// Repairs run with the structure's lock held, after its previous holder died.
void repair_users(Segment& segment);
void repair_scans(Segment& segment);
void repair_step_c(Segment& segment);
void repair_limiter(Segment& segment);

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Scoped lock over a structure's RobustMutex that spins briefly with trylock before sleeping:
// holders keep a pipeline lock for about a microsecond per item, while a process put to sleep on
// the futex of a busy machine may wait a whole scheduler tick to run again. A dead holder is
// repaired on either path.
class PipelineLock {
public:
  template <typename Repair>
  PipelineLock(RobustMutex& mutex, const Repair& repair) : mutex_(mutex) {
    for (int i = 0; i < 256; ++i) {
      const int rc = pthread_mutex_trylock(mutex.native());
      if (rc == 0) return;
      if (rc == EOWNERDEAD) {
        repair();
        pthread_mutex_consistent(mutex.native());
        return;
      }
      if (rc != EBUSY) break;
      cpu_relax();
    }
    mutex.lock(repair);
  }
  ~PipelineLock() { mutex_.unlock(); }
  PipelineLock(const PipelineLock&) = delete;
  PipelineLock& operator=(const PipelineLock&) = delete;

private:
  RobustMutex& mutex_;
};

[[noreturn]] void refuse_full(Segment& segment, const std::string& message);

}  // namespace aotf::shm::detail
