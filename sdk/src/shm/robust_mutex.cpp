#include "aotf/shm/robust_mutex.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

#include "aotf/error.hpp"

namespace aotf::shm {

namespace {
[[noreturn]] void fail(const char* what, int code) {
  throw Error(std::string("shared-memory lock: ") + what + " failed: " + std::strerror(code));
}
}  // namespace

void RobustMutex::init() {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  const int rc = pthread_mutex_init(&mutex_, &attr);
  pthread_mutexattr_destroy(&attr);
  if (rc != 0) fail("pthread_mutex_init", rc);
}

bool RobustMutex::lock(const std::function<void()>& repair) {
  const int rc = pthread_mutex_lock(&mutex_);
  if (rc == 0) return false;
  if (rc == EOWNERDEAD) {
    // The previous holder died inside its critical section: the guarded structure may be half
    // updated. Repair it while we hold the lock, then declare the mutex usable again.
    if (repair) repair();
    pthread_mutex_consistent(&mutex_);
    return true;
  }
  fail("pthread_mutex_lock", rc);
}

void RobustMutex::unlock() { pthread_mutex_unlock(&mutex_); }

void SharedCondition::init() {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  const int rc = pthread_cond_init(&cond_, &attr);
  pthread_condattr_destroy(&attr);
  if (rc != 0) fail("pthread_cond_init", rc);
}

bool SharedCondition::wait_for(RobustMutex& mutex, std::chrono::milliseconds timeout,
                               const std::function<void()>& repair) {
  timespec deadline{};
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
  deadline.tv_sec += static_cast<time_t>(ns / 1'000'000'000);
  deadline.tv_nsec += static_cast<long>(ns % 1'000'000'000);
  if (deadline.tv_nsec >= 1'000'000'000) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1'000'000'000;
  }
  const int rc = pthread_cond_timedwait(&cond_, mutex.native(), &deadline);
  if (rc == 0) return true;
  if (rc == ETIMEDOUT) return false;
  if (rc == EOWNERDEAD) {
    if (repair) repair();
    pthread_mutex_consistent(mutex.native());
    return true;
  }
  fail("pthread_cond_timedwait", rc);
}

void SharedCondition::notify_one() { pthread_cond_signal(&cond_); }
void SharedCondition::notify_all() { pthread_cond_broadcast(&cond_); }

}  // namespace aotf::shm
