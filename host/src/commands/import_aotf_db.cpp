#include <iostream>

#include "commands/commands.hpp"

namespace aotf::host {

int cmd_import_aotf_db(const Options&) {
  std::cerr << "aotfd import-aotf-db: the database is not part of this build yet\n";
  return kExitUsage;
}

}  // namespace aotf::host
