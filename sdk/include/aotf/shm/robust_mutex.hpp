#pragma once
// Locks that live in shared memory and survive the death of their holder.
//
// Boost 1.74's interprocess_mutex is not robust: a process killed by SIGKILL while holding it
// wedges every other process forever. RobustMutex is a process-shared PTHREAD_MUTEX_ROBUST
// mutex: when its holder died, the next locker is told so (EOWNERDEAD), repairs the structure the
// mutex guards, marks the mutex consistent and goes on.

#include <pthread.h>

#include <chrono>
#include <functional>

#include <boost/config.hpp>

namespace aotf::shm {

class BOOST_SYMBOL_VISIBLE RobustMutex {
public:
  // Initialises the mutex in place; call once, by the segment's creator.
  void init();
  // Locks. When the previous holder died holding it, calls `repair` (with the lock held) before
  // marking the mutex consistent. Returns true when a repair happened.
  bool lock(const std::function<void()>& repair = {});
  void unlock();
  pthread_mutex_t* native() noexcept { return &mutex_; }

private:
  pthread_mutex_t mutex_;
};

// A condition variable in shared memory, used with a RobustMutex. Waits always have a timeout so
// every loop sees the stop flag.
class BOOST_SYMBOL_VISIBLE SharedCondition {
public:
  void init();
  // Waits until notified or the timeout elapses; the mutex is held again on return. Returns
  // false on timeout. A holder that died meanwhile is repaired as in RobustMutex::lock.
  bool wait_for(RobustMutex& mutex, std::chrono::milliseconds timeout, const std::function<void()>& repair = {});
  void notify_one();
  void notify_all();

private:
  pthread_cond_t cond_;
};

// Scoped lock over a RobustMutex.
class RobustLock {
public:
  explicit RobustLock(RobustMutex& mutex, const std::function<void()>& repair = {}) : mutex_(mutex) {
    repaired_ = mutex_.lock(repair);
  }
  ~RobustLock() { mutex_.unlock(); }
  RobustLock(const RobustLock&) = delete;
  RobustLock& operator=(const RobustLock&) = delete;
  [[nodiscard]] bool repaired() const noexcept { return repaired_; }

private:
  RobustMutex& mutex_;
  bool repaired_ = false;
};

}  // namespace aotf::shm
