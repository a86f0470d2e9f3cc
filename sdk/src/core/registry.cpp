#include "aotf/registry.hpp"

#include <algorithm>

#include "aotf/error.hpp"

namespace aotf {

namespace {

bool valid_name(const std::string& name, bool allow_dash, bool allow_dot, bool allow_upper) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (allow_dash && c == '-') ||
           (allow_dot && c == '.') || (allow_upper && c >= 'A' && c <= 'Z');
  });
}

void require_name(const std::string& what, const std::string& name, bool allow_dash = false,
                  bool allow_dot = false, bool allow_upper = false) {
  if (!valid_name(name, allow_dash, allow_dot, allow_upper)) {
    throw Error(what + " name '" + name + "' is invalid: use 1 to 64 characters of [" + (allow_upper ? "A-Z" : "") +
                "a-z0-9_" + (allow_dash ? "-" : "") + (allow_dot ? "." : "") + "]");
  }
}

template <typename List, typename Name>
void require_unique(const List& list, const std::string& what, const std::string& name, Name name_of) {
  for (const auto& item : list) {
    if (name_of(item) == name) throw Error(what + " '" + name + "' is registered twice by the same plugin");
  }
}

}  // namespace

void Registry::add_stage(StageProcedure procedure) {
  // Upper case too: the original's step names (stepA_list_search, stepC_index_posts) keep their letter.
  require_name("stage procedure", procedure.name, false, false, true);
  if (!procedure.run) throw Error("stage procedure '" + procedure.name + "' has no function to run");
  require_unique(stages_, "stage procedure", procedure.name, [](const auto& s) { return s.name; });
  stages_.push_back(std::move(procedure));
}

void Registry::add_site(std::string name, SiteFactory make) {
  require_name("site", name);
  if (!make) throw Error("site '" + name + "' has no factory");
  require_unique(sites_, "site", name, [](const auto& s) { return s.name; });
  sites_.push_back({std::move(name), std::move(make)});
}

void Registry::add_source(std::string platform, SourceFactory make) {
  require_name("source", platform);
  if (!make) throw Error("source '" + platform + "' has no factory");
  require_unique(sources_, "source", platform, [](const auto& s) { return s.name; });
  sources_.push_back({std::move(platform), std::move(make)});
}

void Registry::add_command(ConsoleCommand command) {
  require_name("console command", command.name, /*allow_dash=*/true);
  if (!command.run) throw Error("console command '" + command.name + "' has no function to run");
  if (command.min_args < 0 || command.max_args < command.min_args) {
    throw Error("console command '" + command.name + "' has min_args " + std::to_string(command.min_args) +
                " and max_args " + std::to_string(command.max_args) + "; need 0 <= min_args <= max_args");
  }
  require_unique(commands_, "console command", command.name, [](const auto& c) { return c.name; });
  commands_.push_back(std::move(command));
}

void Registry::add_config_key(ConfigKey key) {
  require_name("config key", key.name, /*allow_dash=*/false, /*allow_dot=*/true);
  if (key.name.front() == '.' || key.name.back() == '.' || key.name.find("..") != std::string::npos) {
    throw Error("config key name '" + key.name + "' is invalid: dots separate non-empty table names");
  }
  require_unique(config_keys_, "config key", key.name, [](const auto& k) { return k.name; });
  if (key.default_value) {
    if (std::string why = check_value(key, *key.default_value); !why.empty()) {
      throw Error("default of config key '" + key.name + "' " + why);
    }
  }
  config_keys_.push_back(std::move(key));
}

void Registry::clear() noexcept {
  stages_.clear();
  sites_.clear();
  sources_.clear();
  commands_.clear();
  config_keys_.clear();
}

}  // namespace aotf
