#include <iostream>

#include "commands/commands.hpp"

namespace aotf::host {

namespace {

template <typename List, typename Name>
std::string names(const List& list, Name name_of) {
  std::string out;
  for (const auto& item : list) out += (out.empty() ? "" : ", ") + name_of(item);
  return out;
}

void print_registrations(std::ostream& out, const Registry& r) {
  auto line = [&](const char* label, const std::string& text) {
    if (!text.empty()) out << "      " << label << ": " << text << "\n";
  };
  line("stages", names(r.stages(), [](const auto& s) { return s.name; }));
  line("sites", names(r.sites(), [](const auto& s) { return s.name; }));
  line("sources", names(r.sources(), [](const auto& s) { return s.name; }));
  line("commands", names(r.commands(), [](const auto& c) { return c.name; }));
  line("config keys", names(r.config_keys(), [](const auto& k) { return k.name; }));
  if (r.stages().empty() && r.sites().empty() && r.sources().empty() && r.commands().empty() &&
      r.config_keys().empty()) {
    out << "      (registers nothing)\n";
  }
}

}  // namespace

int cmd_plugins(const Options& options) {
  DaemonConfig config;
  std::vector<ConfigIssue> issues;
  if (!load_host_config(options.config_path, config, issues) || !std::filesystem::is_directory(config.plugins_dir)) {
    sort_issues(issues);
    for (const auto& issue : issues) std::cerr << issue.str() << "\n";
    return kExitUsage;
  }
  PluginSet plugins = PluginSet::load_folder(config.plugins_dir);
  std::cout << "plugins folder: " << plugins.folder().string() << "\n";
  std::cout << plugins.plugins().size() << " loaded, " << plugins.refused().size() << " refused\n";
  for (const auto& p : plugins.plugins()) {
    std::cout << "  " << p->file.filename().string() << ": plugin '" << p->name << "' version " << p->version
              << ", ABI " << p->abi_version << "\n";
    print_registrations(std::cout, p->registry);
  }
  for (const auto& r : plugins.refused()) std::cout << "  " << r.str() << "\n";

  validate_plugin_tables(config, plugins, issues);
  sort_issues(issues);
  for (const auto& issue : issues) std::cerr << issue.str() << "\n";
  return issues.empty() ? kExitOk : kExitUsage;
}

}  // namespace aotf::host
