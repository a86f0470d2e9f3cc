#pragma once
// Where the exception being handled was thrown. aotfd interposes __cxa_throw (every throw in the
// process, in the host, the SDK and the plugins, goes through it) and records the thrower's
// stack in a thread-local buffer, so the error collector logs the stack of the throw site rather
// than its own.

#include <string>

namespace aotf::host {

// The stack recorded by the latest throw on this thread, one frame per line; empty if none.
[[nodiscard]] std::string last_throw_stacktrace();

// Frames as text, one per line: " N# function at file:line".
[[nodiscard]] std::string format_frames(void* const* frames, int count);

// The current stack of this thread, one frame per line.
[[nodiscard]] std::string current_stacktrace(int skip = 0);

}  // namespace aotf::host
