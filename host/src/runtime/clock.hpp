#pragma once
// Time as the runtime sees it. Tests replace it with a fake clock so back-off and restart rules
// are checked fast and deterministically.

#include <chrono>
#include <functional>
#include <thread>

namespace aotf::host {

class Clock {
public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  [[nodiscard]] virtual time_point now() = 0;
  // Sleeps up to `duration`, in short slices, returning false as soon as keep_going() is false.
  virtual bool sleep_for(std::chrono::milliseconds duration, const std::function<bool()>& keep_going) = 0;
};

class SteadyClock final : public Clock {
public:
  time_point now() override { return std::chrono::steady_clock::now(); }
  bool sleep_for(std::chrono::milliseconds duration, const std::function<bool()>& keep_going) override {
    const auto deadline = now() + duration;
    while (keep_going()) {
      const auto left = deadline - now();
      if (left <= std::chrono::milliseconds::zero()) return true;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
    }
    return false;
  }
};

}  // namespace aotf::host
