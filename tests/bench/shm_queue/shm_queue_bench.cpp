// Messages per second between two processes: through the segment's step C queue (a producer
// process pushes posts, a consumer process pops and declares them, as step A/B and step C do)
// against a Unix-socket ping-pong (SOCK_SEQPACKET socketpair, one message in flight), measured
// in the same run. Prints both rates and their ratio.
//
// Usage: aotf_bench_shm_queue [--messages N] [--page N] [--payload BYTES] [--min-ratio R]
// With --min-ratio, exits 1 when the queue is not at least R times the socket (used by nothing
// in ctest: a timed figure is never a unit test).
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "aotf/shm/pipelines.hpp"
#include "aotf/shm/segment.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using aotf::shm::PostToIndex;
using aotf::shm::Segment;
using aotf::shm::StepCQueue;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "aotf_bench_shm_queue: %s\n", message.c_str());
  std::exit(2);
}

void read_exact(int fd, void* buffer, std::size_t size) {
  auto* p = static_cast<char*>(buffer);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n <= 0) die("barrier pipe closed");
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Children wait on `go` so the parent times both from the same instant.
struct Barrier {
  int fds[2];
  Barrier() {
    if (::pipe(fds) != 0) die("pipe failed");
  }
  void wait() {
    ::close(fds[1]);
    char c;
    read_exact(fds[0], &c, 1);
  }
  void release(int children) {
    const std::string bytes(static_cast<std::size_t>(children), 'g');
    if (::write(fds[1], bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) die("barrier write failed");
  }
};

bool child_ok(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

PostToIndex make_post(long i) {
  // The size of a real post: a numeric ID, an account ID and two image URLs.
  return PostToIndex{"x", std::to_string(1'790'000'000'000'000'000L + i), "1234567890",
                     {"https://pbs.twimg.com/media/Fabcdefghijklmno.jpg", "https://pbs.twimg.com/media/Gabcdefghij.png"},
                     false, false};
}

double segment_queue_rate(long messages, long page) {
  const std::string instance = "bench_shm_queue_" + std::to_string(::getpid());
  aotf::shm::Capacities capacities;
  capacities.user_requests = 16;
  capacities.scan_requests = 16;
  capacities.ip_addresses = 16;
  capacities.step_c_queue = 4096;
  auto segment = Segment::create(instance, capacities);
  Barrier barrier;

  const pid_t consumer = ::fork();
  if (consumer == 0) {
    auto attached = Segment::attach(instance);
    StepCQueue queue(*attached);
    barrier.wait();
    long received = 0;
    bool first = true;
    while (received < messages) {
      auto popped = queue.pop_and_declare("thread_step_C_th1", first, std::chrono::seconds(10));
      first = false;
      if (!popped.item) ::_exit(3);
      if (popped.item->post.post_id != make_post(received).post_id) ::_exit(4);  // FIFO, nothing lost
      ++received;
    }
    ::_exit(0);
  }
  const pid_t producer = ::fork();
  if (producer == 0) {
    auto attached = Segment::attach(instance);
    StepCQueue queue(*attached);
    barrier.wait();
    // A lister pushes each page it reads; page 1 pushes post by post.
    std::vector<PostToIndex> posts;
    for (long i = 0; i < messages; ++i) {
      if (page == 1) {
        queue.push(make_post(i), std::chrono::seconds(10));
        continue;
      }
      posts.push_back(make_post(i));
      if (static_cast<long>(posts.size()) == page || i + 1 == messages) {
        queue.push(posts, std::chrono::seconds(10));
        posts.clear();
      }
    }
    ::_exit(0);
  }
  ::close(barrier.fds[0]);
  const auto start = Clock::now();
  barrier.release(2);
  const bool ok = child_ok(producer) & child_ok(consumer);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!ok) die("the segment queue run failed (a message was lost, reordered or timed out)");
  return static_cast<double>(messages) / seconds;
}

double socket_round_trip_rate(long messages, std::size_t payload) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) != 0) die(std::string("socketpair: ") + std::strerror(errno));
  const pid_t echo = ::fork();
  if (echo == 0) {
    ::close(fds[0]);
    std::vector<char> buffer(payload);
    for (long i = 0; i < messages; ++i) {
      const ssize_t n = ::read(fds[1], buffer.data(), buffer.size());
      if (n <= 0 || ::write(fds[1], buffer.data(), static_cast<std::size_t>(n)) != n) ::_exit(3);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::vector<char> buffer(payload, 'p');
  const auto start = Clock::now();
  for (long i = 0; i < messages; ++i) {
    std::memcpy(buffer.data(), &i, sizeof i);
    if (::write(fds[0], buffer.data(), buffer.size()) != static_cast<ssize_t>(buffer.size())) die("socket write failed");
    long back = -1;
    const ssize_t n = ::read(fds[0], buffer.data(), buffer.size());
    std::memcpy(&back, buffer.data(), sizeof back);
    if (n != static_cast<ssize_t>(buffer.size()) || back != i) die("socket echo mismatch");
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fds[0]);
  if (!child_ok(echo)) die("the socket echo process failed");
  return static_cast<double>(messages) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  long messages = 1'000'000;
  long page = 100;  // posts per listing page (X search and timeline pages hold up to 100)
  std::size_t payload = 160;  // about a serialised post
  double min_ratio = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--messages") {
      messages = std::stol(value());
    } else if (arg == "--page") {
      page = std::stol(value());
    } else if (arg == "--payload") {
      payload = std::stoul(value());
    } else if (arg == "--min-ratio") {
      min_ratio = std::stod(value());
    } else {
      die("unknown option " + arg + " (--messages N, --page N, --payload BYTES, --min-ratio R)");
    }
  }
  if (messages < 1 || page < 1 || payload < sizeof(long)) die("--messages and --page must be >= 1, --payload >= 8");

  const double queue_rate = segment_queue_rate(messages, page);
  const double socket_rate = socket_round_trip_rate(messages, payload);
  const double ratio = queue_rate / socket_rate;
  std::printf("messages per run:                      %ld\n", messages);
  std::printf("segment step C queue (2 processes):    %12.0f messages/s (pushed in pages of %ld, popped one by one)\n",
              queue_rate, page);
  std::printf("unix SEQPACKET ping-pong (1 in flight): %11.0f round trips/s (%zu-byte messages)\n", socket_rate,
              payload);
  std::printf("ratio queue / socket:                  %12.1f x\n", ratio);
  if (min_ratio > 0 && ratio < min_ratio) {
    std::printf("below the %.1f x goal\n", min_ratio);
    return 1;
  }
  return 0;
}
