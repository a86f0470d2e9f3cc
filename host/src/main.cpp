// aotfd: the plugin-host daemon. Parses the command line and runs one subcommand.

#include <iostream>
#include <string_view>

#include "aotf/plugin.hpp"
#include "aotf/version.hpp"
#include "commands/commands.hpp"

namespace {

using aotf::host::Options;

struct Subcommand {
  std::string_view name;
  std::string_view usage;
  std::string_view help;
  int (*run)(const Options&);
};

constexpr Subcommand kSubcommands[] = {
    {"run", "run", "start the daemon in the foreground (the default)", &aotf::host::cmd_run},
    {"check-config", "check-config", "validate the configuration and the plugins it names, then exit",
     &aotf::host::cmd_check_config},
    {"plugins", "plugins", "list the plugins folder: what each plugin registers, why a file was refused",
     &aotf::host::cmd_plugins},
    {"reference-config", "reference-config", "print every key of the host and the loaded plugins with its default",
     &aotf::host::cmd_reference_config},
    {"hash", "hash IMAGE...", "print the 64-bit fingerprint of each image file", &aotf::host::cmd_hash},
    {"import-aotf-db", "import-aotf-db FILE", "import a SQLite database of the original AOTF server",
     &aotf::host::cmd_import_aotf_db},
};

void print_help(std::ostream& out) {
  out << "usage: aotfd [--config FILE] [COMMAND [ARGS...]]\n\n"
         "aotfd finds the posts of an artist's social accounts that contain an illustration.\n\n"
         "options:\n"
         "  -c, --config FILE  configuration file (default: $AOTFD_CONFIG, else config/aotfd.toml if it\n"
         "                     exists, else the installed <prefix>/etc/aotfd/aotfd.toml)\n"
         "  -h, --help         show this help\n"
         "  -V, --version      show the version\n\n"
         "commands:\n";
  for (const auto& c : kSubcommands) {
    std::string usage(c.usage);
    usage.resize(std::max<std::size_t>(usage.size(), 22), ' ');
    out << "  " << usage << " " << c.help << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  bool command_seen = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      print_help(std::cout);
      return aotf::host::kExitOk;
    }
    if (arg == "-V" || arg == "--version") {
      std::cout << "aotfd " << AOTF_VERSION << " (plugin ABI " << aotf::kPluginAbiVersion << ")\n";
      return aotf::host::kExitOk;
    }
    if (arg == "-c" || arg == "--config") {
      if (i + 1 >= argc) {
        std::cerr << "aotfd: " << arg << " needs a file name\n";
        return aotf::host::kExitUsage;
      }
      options.config_path = argv[++i];
      continue;
    }
    if (arg.rfind("--config=", 0) == 0) {
      options.config_path = std::string(arg.substr(9));
      continue;
    }
    if (!command_seen) {
      if (arg.size() > 1 && arg[0] == '-') {
        std::cerr << "aotfd: unknown option '" << arg << "'; see aotfd --help\n";
        return aotf::host::kExitUsage;
      }
      options.command = std::string(arg);
      command_seen = true;
    } else {
      options.args.emplace_back(arg);
    }
  }

  for (const auto& c : kSubcommands) {
    if (c.name == options.command) return c.run(options);
  }
  if (options.command == "__container") return aotf::host::cmd_container(options);
  std::cerr << "aotfd: unknown command '" << options.command << "'; see aotfd --help\n";
  return aotf::host::kExitUsage;
}
