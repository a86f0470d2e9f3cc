#include "runtime/throw_trace.hpp"

#include <execinfo.h>


#include <boost/stacktrace.hpp>

namespace aotf::host::detail {
constexpr int kMaxThrowFrames = 64;
extern thread_local void* t_throw_frames[kMaxThrowFrames];
extern thread_local int t_throw_count;
}  // namespace aotf::host::detail

namespace {
constexpr int kMaxFrames = 64;
}  // namespace

namespace aotf::host {

std::string format_frames(void* const* frames, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    boost::stacktrace::frame frame(frames[i]);
    std::string name = frame.name();
    if (name.empty()) name = "??";
    out += " " + std::to_string(i) + "# " + name;
    const std::string file = frame.source_file();
    if (!file.empty()) out += " at " + file + ":" + std::to_string(frame.source_line());
    out += "\n";
  }
  return out;
}

std::string last_throw_stacktrace() {
  // Frame 0 is __cxa_throw itself.
  using namespace detail;
  return t_throw_count > 1 ? format_frames(t_throw_frames + 1, t_throw_count - 1) : std::string();
}

std::string current_stacktrace(int skip) {
  void* frames[kMaxFrames];
  const int count = ::backtrace(frames, kMaxFrames);
  const int first = std::min(count, skip + 1);
  return format_frames(frames + first, count - first);
}

}  // namespace aotf::host
