#pragma once
// Shared by the pipelines tests: a unique segment per test, small capacities, and a child process
// runner (children attach to the segment like container processes do).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <string>

#include "aotf/shm/pipelines.hpp"
#include "aotf/shm/segment.hpp"

namespace aotf::shm::test {

inline std::string unique_instance() {
  return "pipes_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

inline Capacities small_capacities() {
  Capacities c;
  c.workers = 16;
  c.processes = 8;
  c.metrics = 8;
  c.user_requests = 64;
  c.scan_requests = 64;
  c.step_c_queue = 256;
  c.ip_addresses = 64;
  return c;
}

inline std::unique_ptr<Segment> make_segment(const Capacities& c = small_capacities()) {
  return Segment::create(unique_instance(), c);
}

// Starts `body` in a forked child that attaches to the instance's segment; returns its pid. The
// child exits 0 when body returns true, 1 when false, 2 on an exception.
inline pid_t start_child(const std::string& instance, const std::function<bool(Segment&)>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 2;
    try {
      auto segment = Segment::attach(instance);
      code = body(*segment) ? 0 : 1;
    } catch (...) {
      code = 2;
    }
    ::_exit(code);
  }
  return pid;
}

// As start_child, waiting for the child; returns its wait status.
inline int run_child(const std::string& instance, const std::function<bool(Segment&)>& body) {
  int status = 0;
  ::waitpid(start_child(instance, body), &status, 0);
  return status;
}

inline bool exited_ok(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
inline bool killed(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }

}  // namespace aotf::shm::test
