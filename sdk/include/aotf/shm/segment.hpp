#pragma once
// The daemon's shared-memory segment: everything the workers of every process share.
//
// One segment per daemon instance, created by the host at start (Boost.Interprocess
// shared_memory_object + mapped_region, named "aotfd-<instance>") and attached by container
// processes. Its layout is fixed when it is created: a header at offset 0, then sections whose
// sizes come from the configured capacities. Nothing inside holds a pointer: records are fixed
// size, strings are bounded char arrays, and every lock is a RobustMutex. A full table is a
// counted refusal, never an allocation failure.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/config.hpp>

#include "aotf/error.hpp"
#include "aotf/shm/robust_mutex.hpp"

namespace aotf::shm {

inline constexpr std::uint64_t kSegmentMagic = 0x31474553'46544f41ULL;  // "AOTFSEG1"
inline constexpr std::uint32_t kLayoutVersion = 3;

struct Capacities {
  std::uint32_t workers = 256;          // worker slots (threads of every process)
  std::uint32_t processes = 64;         // container process slots
  std::uint32_t metrics = 64;           // metric series
  std::uint32_t user_requests = 4096;   // user requests in memory (finished ones stay as a cache)
  std::uint32_t scan_requests = 4096;   // scan requests in memory
  std::uint32_t step_c_queue = 65536;   // posts and cursor instructions waiting for step C
  std::uint32_t ip_addresses = 8192;    // per-IP counters and rate-limiter entries
};

// What a worker is working on, so the error collector or the supervisor can fail it.
struct RequestRef {
  enum Kind : std::uint8_t { None = 0, User = 1, Scan = 2 };
  Kind kind = None;
  std::uint32_t slot = 0;        // index in its table
  std::uint32_t generation = 0;  // the slot's generation when declared (a reused slot differs)
  [[nodiscard]] bool empty() const noexcept { return kind == None; }
};

// Copies `text` into a bounded char array, cutting it if needed; always NUL-terminated.
template <std::size_t N>
void copy_bounded(char (&out)[N], std::string_view text) noexcept {
  const std::size_t n = text.size() < N - 1 ? text.size() : N - 1;
  for (std::size_t i = 0; i < n; ++i) out[i] = text[i];
  out[n] = '\0';
}

enum class WorkerState : std::uint32_t { Free = 0, Running, BackingOff, WaitingNetwork, Stopped };

struct WorkerSlot {
  std::atomic<std::uint32_t> state;  // WorkerState
  char name[64];                     // "<procedure>_th<id>"
  char procedure[48];
  char container[48];
  std::int32_t pid;
  std::int32_t tid;
  std::uint32_t id;
  RequestRef declared;
  char doing[192];                   // for `threads`: the input URL, "@name (ID x)", "post x"
  std::int64_t started_ms;           // wall clock of the current run of the procedure
  std::uint32_t runs;                // times the procedure was started
  std::uint32_t errors;              // exceptions caught by the collector
  std::atomic<std::uint32_t> ready;  // 1 once the worker finished starting (see StageContext::ready)
};

enum class ProcessState : std::uint32_t { Free = 0, Starting, Running, Dead, Quarantined, Stopped };

// Mailbox flags a process polls; the sender sets a bit, the receiver clears it when done.
enum MailboxFlag : std::uint32_t { kWriteStacks = 1u << 0, kReload = 1u << 1 };

struct ProcessSlot {
  std::atomic<std::uint32_t> state;  // ProcessState
  std::int32_t pid;
  char container[48];
  std::uint32_t restarts;
  std::int64_t started_ms;
  std::atomic<std::uint32_t> mailbox;
};

struct MetricSeries {
  char name[56];
  std::atomic<std::uint64_t> count;
  std::atomic<std::uint64_t> sum_ns;
};

struct PipelineState;  // user and scan requests, queues, per-IP counters, rate limiter

struct SegmentHeader {
  std::uint64_t magic;
  std::uint32_t layout_version;
  std::uint32_t header_size;
  std::int32_t creator_pid;
  std::uint32_t reserved;
  std::uint64_t generation;          // unique per creation; containers check it on attach
  std::uint64_t total_size;
  Capacities capacities;
  std::uint64_t workers_offset;
  std::uint64_t processes_offset;
  std::uint64_t metrics_offset;
  std::uint64_t pipelines_offset;
  std::atomic<std::uint32_t> running;  // the run flag: 0 once the daemon stops
  std::atomic<std::uint32_t> ready;    // 1 once every section is constructed
  RobustMutex registry_mutex;          // guards the worker and process tables
  RobustMutex metrics_mutex;           // guards adding metric series
  std::atomic<std::uint64_t> refusals;  // requests refused because a table or queue was full
};

class BOOST_SYMBOL_VISIBLE SegmentError : public Error {
public:
  using Error::Error;
};

// Seconds elapsed since `start`, the sample a stage records: segment.record(name, seconds_since(start)).
[[nodiscard]] inline double seconds_since(std::chrono::steady_clock::time_point start) noexcept {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class BOOST_SYMBOL_VISIBLE Segment {
public:
  // Creates the segment of `instance`. An existing segment whose creator is dead is removed
  // first; a live daemon with the same instance name is refused with SegmentError naming its
  // pid. The creator holds an exclusive lock for its lifetime (released by the kernel on death).
  [[nodiscard]] static std::unique_ptr<Segment> create(const std::string& instance, const Capacities& capacities);
  // Attaches to the live segment of `instance` (container processes). `generation`, when not 0,
  // must match the segment's: a container never works for another daemon's segment.
  [[nodiscard]] static std::unique_ptr<Segment> attach(const std::string& instance, std::uint64_t generation = 0);
  // Name of the segment and of its lock file for an instance.
  [[nodiscard]] static std::string segment_name(const std::string& instance);

  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  [[nodiscard]] SegmentHeader& header() noexcept { return *header_; }
  [[nodiscard]] const Capacities& capacities() const noexcept { return header_->capacities; }
  [[nodiscard]] std::uint64_t generation() const noexcept { return header_->generation; }
  [[nodiscard]] bool is_creator() const noexcept { return creator_; }
  [[nodiscard]] std::size_t size() const noexcept { return header_->total_size; }

  // --- run flag -----------------------------------------------------------------------------
  [[nodiscard]] bool running() const noexcept { return header_->running.load(std::memory_order_acquire) != 0; }
  void stop() noexcept { header_->running.store(0, std::memory_order_release); }

  // --- workers registry ---------------------------------------------------------------------
  // Registers a worker; returns its slot index. A duplicate live name or a full table throws.
  std::uint32_t register_worker(std::string_view name, std::string_view procedure, std::string_view container,
                                std::uint32_t id);
  void unregister_worker(std::uint32_t slot);
  WorkerSlot& worker(std::uint32_t slot) noexcept { return workers_[slot]; }
  // Declares (or clears, with an empty ref) what a worker is working on.
  void declare(std::uint32_t slot, RequestRef request, std::string_view doing);
  // The worker finished starting (the HTTP server listens, ...): systemd's READY=1 waits for it.
  void set_ready(std::uint32_t slot) noexcept { workers_[slot].ready.store(1, std::memory_order_release); }
  // A consistent copy of every used worker slot.
  struct WorkerInfo {
    std::uint32_t slot;
    WorkerState state;
    std::string name, procedure, container, doing;
    pid_t pid;
    RequestRef declared;
    std::int64_t started_ms;
    std::uint32_t runs, errors;
    bool ready = false;
  };
  [[nodiscard]] std::vector<WorkerInfo> workers();
  // Frees the slots of every worker of a dead process and returns what they had declared.
  std::vector<WorkerInfo> release_workers_of(pid_t pid);

  // --- processes registry -------------------------------------------------------------------
  std::uint32_t register_process(pid_t pid, std::string_view container);
  void set_process_state(pid_t pid, ProcessState state);
  ProcessSlot* process(pid_t pid) noexcept;
  struct ProcessInfo {
    pid_t pid;
    std::string container;
    ProcessState state;
    std::uint32_t restarts;
  };
  [[nodiscard]] std::vector<ProcessInfo> processes();
  void post(pid_t pid, MailboxFlag flag);
  // Takes (clears) the given flag of this process's mailbox; true if it was set.
  bool take(pid_t pid, MailboxFlag flag);

  // --- metrics ------------------------------------------------------------------------------
  // Adds one sample of `seconds` to the series `name` (created on first use; a full table drops
  // the sample and counts a refusal).
  void record(std::string_view name, double seconds);
  struct MetricInfo {
    std::string name;
    std::uint64_t count;
    double sum_seconds;
  };
  [[nodiscard]] std::vector<MetricInfo> metrics();

  // --- pipelines ----------------------------------------------------------------------------
  [[nodiscard]] PipelineState& pipelines() noexcept { return *pipelines_; }

  // Counts a refusal because something was full.
  void count_refusal() noexcept { header_->refusals.fetch_add(1, std::memory_order_relaxed); }

private:
  Segment() = default;
  void bind(void* base);
  void repair_registry();

  std::string name_;
  bool creator_ = false;
  int lock_fd_ = -1;
  void* mapping_ = nullptr;  // the Boost.Interprocess object and region (kept out of this header)
  void* base_ = nullptr;
  std::size_t mapped_size_ = 0;
  SegmentHeader* header_ = nullptr;
  WorkerSlot* workers_ = nullptr;
  ProcessSlot* processes_ = nullptr;
  MetricSeries* metrics_ = nullptr;
  PipelineState* pipelines_ = nullptr;
};

// Size and construction of the pipelines section (sdk/src/shm/pipelines.cpp).
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::size_t pipeline_state_bytes(const Capacities& capacities);
BOOST_SYMBOL_VISIBLE void construct_pipeline_state(void* at, const Capacities& capacities);

}  // namespace aotf::shm
