#include <iostream>

#include "commands/commands.hpp"

namespace aotf::host {

int cmd_hash(const Options&) {
  std::cerr << "aotfd hash: the fingerprint engine is not part of this build yet\n";
  return kExitUsage;
}

}  // namespace aotf::host
