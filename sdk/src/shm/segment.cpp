#include "aotf/shm/segment.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <new>
#include <random>

#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

namespace aotf::shm {

namespace bip = boost::interprocess;

namespace {

constexpr std::size_t kAlign = 64;

std::size_t align_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Layout {
  std::size_t workers, processes, metrics, pipelines, total;
};

Layout layout_for(const Capacities& c) {
  Layout l{};
  std::size_t at = align_up(sizeof(SegmentHeader));
  l.workers = at;
  at = align_up(at + sizeof(WorkerSlot) * c.workers);
  l.processes = at;
  at = align_up(at + sizeof(ProcessSlot) * c.processes);
  l.metrics = at;
  at = align_up(at + sizeof(MetricSeries) * c.metrics);
  l.pipelines = at;
  at = align_up(at + pipeline_state_bytes(c));
  l.total = at;
  return l;
}

std::string lock_path(const std::string& name) { return "/dev/shm/" + name + ".lock"; }

pid_t read_pid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  return n > 0 ? static_cast<pid_t>(std::atoi(buffer)) : 0;
}

// The mapping and its Boost.Interprocess objects, kept alive as long as the Segment.
struct Mapping {
  bip::shared_memory_object object;
  bip::mapped_region region;
};

}  // namespace

std::string Segment::segment_name(const std::string& instance) { return "aotfd-" + instance; }

std::unique_ptr<Segment> Segment::create(const std::string& instance, const Capacities& capacities) {
  const std::string name = segment_name(instance);
  const std::string lock = lock_path(name);
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw SegmentError("cannot open " + lock + ": " + std::strerror(errno) + "; check that /dev/shm is writable");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const pid_t other = read_pid(fd);
    ::close(fd);
    throw SegmentError("an aotfd instance named '" + instance + "' is already running, pid " + std::to_string(other) +
                       "; stop it first or give this one another 'instance' name");
  }
  // We hold the instance lock: any segment left under this name belongs to a dead daemon.
  const std::string pid_text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid_text.data(), pid_text.size(), 0) < 0) {
    ::close(fd);
    throw SegmentError("cannot write " + lock + ": " + std::strerror(errno));
  }
  bip::shared_memory_object::remove(name.c_str());

  const Layout layout = layout_for(capacities);
  auto segment = std::unique_ptr<Segment>(new Segment());
  segment->name_ = name;
  segment->creator_ = true;
  segment->lock_fd_ = fd;
  try {
    auto mapping = std::make_unique<Mapping>();
    mapping->object = bip::shared_memory_object(bip::create_only, name.c_str(), bip::read_write);
    mapping->object.truncate(static_cast<bip::offset_t>(layout.total));
    mapping->region = bip::mapped_region(mapping->object, bip::read_write);
    segment->base_ = mapping->region.get_address();
    segment->mapped_size_ = mapping->region.get_size();
    segment->mapping_ = mapping.release();
  } catch (const bip::interprocess_exception& error) {
    throw SegmentError("cannot create shared-memory segment " + name + " of " + std::to_string(layout.total) +
                       " bytes: " + error.what() + "; lower the capacities in [runtime] or enlarge /dev/shm");
  }

  // A new shared-memory object reads as zeros; pages are only backed once touched, so a large
  // capacity costs memory only when it is used.
  auto* header = new (segment->base_) SegmentHeader{};
  header->magic = kSegmentMagic;
  header->layout_version = kLayoutVersion;
  header->header_size = sizeof(SegmentHeader);
  header->creator_pid = ::getpid();
  std::random_device random;
  header->generation = (static_cast<std::uint64_t>(random()) << 32) ^ random() ^
                       static_cast<std::uint64_t>(now_ms());
  if (header->generation == 0) header->generation = 1;
  header->total_size = layout.total;
  header->capacities = capacities;
  header->workers_offset = layout.workers;
  header->processes_offset = layout.processes;
  header->metrics_offset = layout.metrics;
  header->pipelines_offset = layout.pipelines;
  header->registry_mutex.init();
  header->metrics_mutex.init();
  segment->bind(segment->base_);
  construct_pipeline_state(segment->pipelines_, capacities);
  header->running.store(1, std::memory_order_release);
  header->ready.store(1, std::memory_order_release);
  return segment;
}

std::unique_ptr<Segment> Segment::attach(const std::string& instance, std::uint64_t generation) {
  const std::string name = segment_name(instance);
  auto segment = std::unique_ptr<Segment>(new Segment());
  segment->name_ = name;
  try {
    auto mapping = std::make_unique<Mapping>();
    mapping->object = bip::shared_memory_object(bip::open_only, name.c_str(), bip::read_write);
    mapping->region = bip::mapped_region(mapping->object, bip::read_write);
    segment->base_ = mapping->region.get_address();
    segment->mapped_size_ = mapping->region.get_size();
    segment->mapping_ = mapping.release();
  } catch (const bip::interprocess_exception& error) {
    throw SegmentError("cannot attach to the shared-memory segment of instance '" + instance + "' (" + name +
                       "): " + error.what() + "; is the daemon running?");
  }
  if (segment->mapped_size_ < sizeof(SegmentHeader)) throw SegmentError("segment " + name + " is too small");
  auto* header = static_cast<SegmentHeader*>(segment->base_);
  if (header->magic != kSegmentMagic) throw SegmentError("segment " + name + " is not an aotfd segment");
  if (header->layout_version != kLayoutVersion) {
    throw SegmentError("segment " + name + " has layout " + std::to_string(header->layout_version) +
                       ", this aotfd uses " + std::to_string(kLayoutVersion) + "; run the same aotfd binary");
  }
  if (!header->ready.load(std::memory_order_acquire)) throw SegmentError("segment " + name + " is not ready yet");
  if (generation != 0 && header->generation != generation) {
    throw SegmentError("segment " + name + " belongs to another daemon start (generation mismatch)");
  }
  if (header->total_size > segment->mapped_size_) throw SegmentError("segment " + name + " is truncated");
  segment->bind(segment->base_);
  return segment;
}

void Segment::bind(void* base) {
  auto* bytes = static_cast<std::byte*>(base);
  header_ = static_cast<SegmentHeader*>(base);
  workers_ = reinterpret_cast<WorkerSlot*>(bytes + header_->workers_offset);
  processes_ = reinterpret_cast<ProcessSlot*>(bytes + header_->processes_offset);
  metrics_ = reinterpret_cast<MetricSeries*>(bytes + header_->metrics_offset);
  pipelines_ = reinterpret_cast<PipelineState*>(bytes + header_->pipelines_offset);
}

Segment::~Segment() {
  delete static_cast<Mapping*>(mapping_);
  if (creator_) {
    bip::shared_memory_object::remove(name_.c_str());
    ::unlink(lock_path(name_).c_str());
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }
}

void Segment::repair_registry() {
  // A holder died mid-update: make every string terminated; a slot is only ever published by
  // its state word, written last, so a half-written slot is still Free.
  for (std::uint32_t i = 0; i < header_->capacities.workers; ++i) {
    WorkerSlot& w = workers_[i];
    w.name[sizeof w.name - 1] = '\0';
    w.procedure[sizeof w.procedure - 1] = '\0';
    w.container[sizeof w.container - 1] = '\0';
    w.doing[sizeof w.doing - 1] = '\0';
  }
  for (std::uint32_t i = 0; i < header_->capacities.processes; ++i) {
    processes_[i].container[sizeof processes_[i].container - 1] = '\0';
  }
}

std::uint32_t Segment::register_worker(std::string_view name, std::string_view procedure, std::string_view container,
                                       std::uint32_t id) {
  RobustLock lock(header_->registry_mutex, [this] { repair_registry(); });
  std::optional<std::uint32_t> free;
  for (std::uint32_t i = 0; i < header_->capacities.workers; ++i) {
    WorkerSlot& w = workers_[i];
    const auto state = static_cast<WorkerState>(w.state.load(std::memory_order_relaxed));
    if (state == WorkerState::Free) {
      if (!free) free = i;
    } else if (name == w.name) {
      throw SegmentError("worker name '" + std::string(name) + "' is already registered (pid " +
                         std::to_string(w.pid) + ")");
    }
  }
  if (!free) {
    count_refusal();
    throw SegmentError("the workers registry is full (" + std::to_string(header_->capacities.workers) +
                       " slots); raise runtime.max_workers");
  }
  WorkerSlot& w = workers_[*free];
  copy_bounded(w.name, name);
  copy_bounded(w.procedure, procedure);
  copy_bounded(w.container, container);
  w.pid = ::getpid();
  w.tid = static_cast<std::int32_t>(::gettid());
  w.id = id;
  w.declared = {};
  w.doing[0] = '\0';
  w.started_ms = now_ms();
  w.runs = 0;
  w.errors = 0;
  w.ready.store(0, std::memory_order_relaxed);
  w.state.store(static_cast<std::uint32_t>(WorkerState::Running), std::memory_order_release);
  return *free;
}

void Segment::unregister_worker(std::uint32_t slot) {
  RobustLock lock(header_->registry_mutex, [this] { repair_registry(); });
  workers_[slot].state.store(static_cast<std::uint32_t>(WorkerState::Free), std::memory_order_release);
}

void Segment::declare(std::uint32_t slot, RequestRef request, std::string_view doing) {
  RobustLock lock(header_->registry_mutex, [this] { repair_registry(); });
  workers_[slot].declared = request;
  copy_bounded(workers_[slot].doing, doing);
}

std::vector<Segment::WorkerInfo> Segment::workers() {
  std::vector<WorkerInfo> out;
  RobustLock lock(header_->registry_mutex, [this] { repair_registry(); });
  for (std::uint32_t i = 0; i < header_->capacities.workers; ++i) {
    const WorkerSlot& w = workers_[i];
    const auto state = static_cast<WorkerState>(w.state.load(std::memory_order_acquire));
    if (state == WorkerState::Free) continue;
    out.push_back({i, state, w.name, w.procedure, w.container, w.doing, w.pid, w.declared, w.started_ms, w.runs,
                   w.errors, w.ready.load(std::memory_order_acquire) != 0});
  }
  return out;
}

std::vector<Segment::WorkerInfo> Segment::release_workers_of(pid_t pid) {
  std::vector<WorkerInfo> out;
  RobustLock lock(header_->registry_mutex, [this] { repair_registry(); });
  for (std::uint32_t i = 0; i < header_->capacities.workers; ++i) {
    WorkerSlot& w = workers_[i];
    const auto state = static_cast<WorkerState>(w.state.load(std::memory_order_acquire));
    if (state == WorkerState::Free || w.pid != pid) continue;
    out.push_back({i, state, w.name, w.procedure, w.container, w.doing, w.pid, w.declared, w.started_ms, w.runs,
                   w.errors, w.ready.load(std::memory_order_acquire) != 0});
    w.state.store(static_cast<std::uint32_t>(WorkerState::Free), std::memory_order_release);
  }
  return out;
}

std::uint32_t Segment::register_process(pid_t pid, std::string_view container) {
  RobustLock lock(header_->registry_mutex, [this] { repair_registry(); });
  std::optional<std::uint32_t> free;
  for (std::uint32_t i = 0; i < header_->capacities.processes; ++i) {
    ProcessSlot& p = processes_[i];
    const auto state = static_cast<ProcessState>(p.state.load(std::memory_order_relaxed));
    if (state != ProcessState::Free && container == p.container) {
      // The same container again: a restart.
      if (p.pid != pid) ++p.restarts;
      p.pid = pid;
      p.started_ms = now_ms();
      p.mailbox.store(0);
      p.state.store(static_cast<std::uint32_t>(ProcessState::Running), std::memory_order_release);
      return i;
    }
    if (state == ProcessState::Free && !free) free = i;
  }
  if (!free) {
    count_refusal();
    throw SegmentError("the processes registry is full (" + std::to_string(header_->capacities.processes) + " slots)");
  }
  ProcessSlot& p = processes_[*free];
  p.pid = pid;
  copy_bounded(p.container, container);
  p.restarts = 0;
  p.started_ms = now_ms();
  p.mailbox.store(0);
  p.state.store(static_cast<std::uint32_t>(ProcessState::Running), std::memory_order_release);
  return *free;
}

void Segment::set_process_state(pid_t pid, ProcessState state) {
  RobustLock lock(header_->registry_mutex, [this] { repair_registry(); });
  for (std::uint32_t i = 0; i < header_->capacities.processes; ++i) {
    ProcessSlot& p = processes_[i];
    if (p.pid == pid && p.state.load() != static_cast<std::uint32_t>(ProcessState::Free)) {
      p.state.store(static_cast<std::uint32_t>(state), std::memory_order_release);
    }
  }
}

ProcessSlot* Segment::process(pid_t pid) noexcept {
  for (std::uint32_t i = 0; i < header_->capacities.processes; ++i) {
    ProcessSlot& p = processes_[i];
    if (p.pid == pid && p.state.load(std::memory_order_acquire) != static_cast<std::uint32_t>(ProcessState::Free)) {
      return &p;
    }
  }
  return nullptr;
}

std::vector<Segment::ProcessInfo> Segment::processes() {
  std::vector<ProcessInfo> out;
  RobustLock lock(header_->registry_mutex, [this] { repair_registry(); });
  for (std::uint32_t i = 0; i < header_->capacities.processes; ++i) {
    const ProcessSlot& p = processes_[i];
    const auto state = static_cast<ProcessState>(p.state.load(std::memory_order_acquire));
    if (state == ProcessState::Free) continue;
    out.push_back({p.pid, p.container, state, p.restarts});
  }
  return out;
}

void Segment::post(pid_t pid, MailboxFlag flag) {
  if (ProcessSlot* p = process(pid)) p->mailbox.fetch_or(flag, std::memory_order_acq_rel);
}

bool Segment::take(pid_t pid, MailboxFlag flag) {
  ProcessSlot* p = process(pid);
  return p && (p->mailbox.fetch_and(~static_cast<std::uint32_t>(flag), std::memory_order_acq_rel) & flag) != 0;
}

void Segment::record(std::string_view name, double seconds) {
  const auto ns = static_cast<std::uint64_t>(seconds > 0 ? seconds * 1e9 : 0);
  RobustLock lock(header_->metrics_mutex);
  for (std::uint32_t i = 0; i < header_->capacities.metrics; ++i) {
    MetricSeries& m = metrics_[i];
    if (m.name[0] == '\0') {
      copy_bounded(m.name, name);
      m.count.store(1);
      m.sum_ns.store(ns);
      return;
    }
    if (name == m.name) {
      m.count.fetch_add(1, std::memory_order_relaxed);
      m.sum_ns.fetch_add(ns, std::memory_order_relaxed);
      return;
    }
  }
  count_refusal();
}

std::vector<Segment::MetricInfo> Segment::metrics() {
  std::vector<MetricInfo> out;
  RobustLock lock(header_->metrics_mutex);
  for (std::uint32_t i = 0; i < header_->capacities.metrics; ++i) {
    const MetricSeries& m = metrics_[i];
    if (m.name[0] == '\0') break;
    out.push_back({m.name, m.count.load(), static_cast<double>(m.sum_ns.load()) / 1e9});
  }
  return out;
}

}  // namespace aotf::shm
