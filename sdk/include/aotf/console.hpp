#pragma once
// Console commands a plugin adds to the daemon's console and control socket.

#include <functional>
#include <string>
#include <vector>

#include "aotf/config.hpp"
#include "aotf/host_info.hpp"

namespace aotf {

class Connectors;

namespace shm {
class Segment;
}  // namespace shm

class CommandContext {
public:
  virtual ~CommandContext() = default;
  [[nodiscard]] virtual const ConfigView& config() const = 0;  // the owning plugin's keys
  [[nodiscard]] virtual const HostInfo& host() const = 0;
  // The daemon's shared memory; null when the command runs outside a daemon (tests).
  [[nodiscard]] virtual shm::Segment* segment() = 0;
  // The sites and sources of every loaded plugin (aotf/connectors/connectors.hpp).
  [[nodiscard]] virtual Connectors& connectors() = 0;
};

struct ConsoleCommand {
  std::string name;    // first word typed, [a-z0-9_-]+
  std::string usage;   // "query URL"
  std::string help;    // one line for `help`
  int min_args = 0;    // the console prints `usage` when the count is outside [min_args, max_args]
  int max_args = 0;
  // Returns the text to show. Throwing aotf::Error shows its message as an error.
  std::function<std::string(CommandContext&, const std::vector<std::string>& args)> run;
};

}  // namespace aotf
