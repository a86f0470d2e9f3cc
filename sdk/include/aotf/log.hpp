#pragma once
// One log for the daemon and every plugin. The host decides where lines go (terminal, journal,
// files); a plugin only says what happened.

#include <string>
#include <string_view>

#include <boost/config.hpp>

namespace aotf {

enum class LogLevel { Debug = 0, Info = 1, Warning = 2, Error = 3 };

// component: who speaks ("host", "sites", "thread_step_3_reverse_search_th1").
BOOST_SYMBOL_VISIBLE void log(LogLevel level, std::string_view component, std::string_view message);

inline void log_debug(std::string_view component, std::string_view message) { log(LogLevel::Debug, component, message); }
inline void log_info(std::string_view component, std::string_view message) { log(LogLevel::Info, component, message); }
inline void log_warning(std::string_view component, std::string_view message) { log(LogLevel::Warning, component, message); }
inline void log_error(std::string_view component, std::string_view message) { log(LogLevel::Error, component, message); }

// "debug", "info", "warning", "error".
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string_view to_string(LogLevel level) noexcept;
// The local time as the original's log files wrote it: "YYYY-MM-DD HH:MM:SS".
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string local_timestamp();

// Host side: where lines go. The default writes timestamped lines to stderr.
using LogSink = void (*)(LogLevel level, std::string_view component, std::string_view message);
BOOST_SYMBOL_VISIBLE void set_log_sink(LogSink sink) noexcept;
BOOST_SYMBOL_VISIBLE void set_log_level(LogLevel minimum) noexcept;
[[nodiscard]] BOOST_SYMBOL_VISIBLE LogLevel log_level() noexcept;

}  // namespace aotf
