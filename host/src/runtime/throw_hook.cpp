// The __cxa_throw interposition behind last_throw_stacktrace(). Kept alone in this file: it must
// not see <cxxabi.h>, which declares the same function with other attributes.

#include <dlfcn.h>
#include <execinfo.h>

namespace std {
class type_info;
}

namespace aotf::host::detail {
constexpr int kMaxThrowFrames = 64;
thread_local void* t_throw_frames[kMaxThrowFrames];
thread_local int t_throw_count = 0;
}  // namespace aotf::host::detail

using CxaThrow = void (*)(void*, std::type_info*, void (*)(void*));

// Records the stack, then throws with the C++ runtime's own __cxa_throw. backtrace() neither
// allocates nor throws once initialised.
extern "C" void __cxa_throw(void* thrown, std::type_info* type, void (*destroy)(void*)) {
  static const auto real = reinterpret_cast<CxaThrow>(dlsym(RTLD_NEXT, "__cxa_throw"));
  using namespace aotf::host::detail;
  t_throw_count = ::backtrace(t_throw_frames, kMaxThrowFrames);
  real(thrown, type, destroy);
  __builtin_unreachable();
}
