#include "config/config_file.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <tuple>

#define TOML_EXCEPTIONS 1
#include <toml++/toml.h>

namespace aotf::host {

std::string ConfigIssue::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

ConfigFile::ConfigFile(std::string name, std::unique_ptr<toml::table> root)
    : name_(std::move(name)), root_(std::move(root)) {}

ConfigFile::~ConfigFile() = default;

std::unique_ptr<ConfigFile> ConfigFile::parse(const std::filesystem::path& path, std::vector<ConfigIssue>& issues) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    issues.push_back({path.string(), 1, 1,
                      "cannot read the configuration file; pass an existing file with --config FILE"});
    return nullptr;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_text(text.str(), path.string(), issues);
}

std::unique_ptr<ConfigFile> ConfigFile::parse_text(std::string text, std::string name,
                                                   std::vector<ConfigIssue>& issues) {
  try {
    auto root = std::make_unique<toml::table>(toml::parse(text, name));
    return std::unique_ptr<ConfigFile>(new ConfigFile(std::move(name), std::move(root)));
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    issues.push_back({name, static_cast<int>(begin.line), static_cast<int>(begin.column),
                      "TOML syntax error: " + std::string(error.description())});
    return nullptr;
  }
}

namespace {

std::string join(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

// What a node holds, for messages about values that are none of the config types.
std::string describe(const toml::node& node) {
  if (node.is_table()) return "a table";
  if (node.is_array()) return "an array that is not all strings";
  if (node.is_date() || node.is_time() || node.is_date_time()) return "a date or time";
  return "an unsupported value";
}

std::optional<ConfigValue> to_value(const toml::node& node) {
  if (const auto* v = node.as_boolean()) return ConfigValue{v->get()};
  if (const auto* v = node.as_integer()) return ConfigValue{static_cast<std::int64_t>(v->get())};
  if (const auto* v = node.as_floating_point()) return ConfigValue{v->get()};
  if (const auto* v = node.as_string()) return ConfigValue{v->get()};
  if (const auto* a = node.as_array()) {
    std::vector<std::string> items;
    for (const auto& item : *a) {
      const auto* s = item.as_string();
      if (!s) return std::nullopt;
      items.push_back(s->get());
    }
    return ConfigValue{std::move(items)};
  }
  return std::nullopt;
}

const toml::table* find_table(const toml::table& root, const std::string& dotted) {
  const toml::table* table = &root;
  if (dotted.empty()) return table;
  std::string_view rest = dotted;
  while (!rest.empty()) {
    const auto dot = rest.find('.');
    const std::string_view part = rest.substr(0, dot);
    const toml::node* child = table->get(part);
    if (!child || !child->is_table()) return nullptr;
    table = child->as_table();
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
  }
  return table;
}

std::string table_label(const std::string& table_path) {
  return table_path.empty() ? std::string("the top level") : "[" + table_path + "]";
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

void sort_issues(std::vector<ConfigIssue>& issues) {
  std::stable_sort(issues.begin(), issues.end(), [](const ConfigIssue& a, const ConfigIssue& b) {
    return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
  });
}

std::string closest_name(const std::string& wrong, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(wrong, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::map<std::string, ConfigValue> ConfigFile::validate(const std::string& table_path,
                                                        const std::vector<ConfigKey>& keys,
                                                        const std::vector<std::string>& skip,
                                                        std::vector<ConfigIssue>& issues) const {
  std::map<std::string, ConfigValue> values;
  std::vector<std::string> names;
  for (const auto& key : keys) names.push_back(key.name);

  auto declared = [&](const std::string& name) -> const ConfigKey* {
    for (const auto& key : keys) {
      if (key.name == name) return &key;
    }
    return nullptr;
  };
  auto is_prefix_of_declared = [&](const std::string& name) {
    return std::any_of(keys.begin(), keys.end(), [&](const ConfigKey& k) { return k.name.rfind(name + ".", 0) == 0; });
  };
  auto issue = [&](const toml::source_region& where, std::string message) {
    issues.push_back({name_, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column),
                      std::move(message)});
  };
  auto quoted_key = [&](const std::string& name) {
    return "'" + name + "'" + (table_path.empty() ? std::string() : " in [" + table_path + "]");
  };

  const toml::table* table = find_table(*root_, table_path);
  std::function<void(const toml::table&, const std::string&)> walk = [&](const toml::table& t,
                                                                         const std::string& prefix) {
    for (auto&& [k, node] : t) {
      const std::string name = join(prefix, k.str());
      if (prefix.empty() && std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
      if (const ConfigKey* key = declared(name)) {
        std::optional<ConfigValue> value = to_value(node);
        if (!value) {
          issue(node.source(), quoted_key(name) + " must be " + std::string(to_string(key->type)) + ", got " +
                                   describe(node));
          continue;
        }
        if (std::string why = check_value(*key, *value); !why.empty()) {
          issue(node.source(), quoted_key(name) + " " + why);
          continue;
        }
        if (key->type == ValueType::Float && std::holds_alternative<std::int64_t>(*value)) {
          value = ConfigValue{static_cast<double>(std::get<std::int64_t>(*value))};
        }
        values[name] = std::move(*value);
      } else if (node.is_table() && is_prefix_of_declared(name)) {
        walk(*node.as_table(), name);
      } else {
        std::string message = "unknown key " + quoted_key(name);
        std::string hint = closest_name(name, names);
        if (!hint.empty()) {
          message += " (did you mean '" + hint + "'?)";
        } else if (names.empty()) {
          message += "; this table takes no keys";
        } else {
          std::string known;
          for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
          message += "; known keys: " + known;
        }
        issue(k.source(), std::move(message));
      }
    }
  };
  if (table) walk(*table, "");
  sort_issues(issues);

  for (const auto& key : keys) {
    if (values.count(key.name)) continue;
    if (key.default_value) {
      values[key.name] = *key.default_value;
    } else if (!std::any_of(issues.begin(), issues.end(), [&](const ConfigIssue& i) {
                 return i.file == name_ && i.message.find(quoted_key(key.name)) != std::string::npos;
               })) {
      ConfigIssue missing = issue_at(table_path, table_label(table_path) + " is missing the required key '" +
                                                     key.name + "' (" + std::string(to_string(key.type)) +
                                                     (key.description.empty() ? "" : ": " + key.description) + ")");
      issues.push_back(std::move(missing));
    }
  }
  return values;
}

std::vector<ConfigFile::SubTable> ConfigFile::children(const std::string& table_path) const {
  std::vector<SubTable> out;
  const toml::table* table = find_table(*root_, table_path);
  if (!table) return out;
  for (auto&& [k, node] : *table) {
    // A table's header ([plugins.x]) is where an operator looks, not the key inside it.
    const auto& where = node.is_table() && node.source().begin.line ? node.source() : k.source();
    out.push_back({std::string(k.str()), static_cast<int>(where.begin.line), static_cast<int>(where.begin.column),
                   node.is_table()});
  }
  return out;
}

ConfigIssue ConfigFile::issue_at(const std::string& dotted_path, std::string message) const {
  ConfigIssue out{name_, 1, 1, std::move(message)};
  if (dotted_path.empty()) return out;
  const auto dot = dotted_path.rfind('.');
  const std::string parent = dot == std::string::npos ? "" : dotted_path.substr(0, dot);
  const std::string leaf = dot == std::string::npos ? dotted_path : dotted_path.substr(dot + 1);
  if (const toml::table* table = find_table(*root_, parent)) {
    for (auto&& [k, node] : *table) {
      if (k.str() == leaf) {
        // A table's own header is where an operator looks; a value's key likewise.
        const auto& where = node.is_table() && node.source().begin.line ? node.source() : k.source();
        out.line = static_cast<int>(where.begin.line ? where.begin.line : 1);
        out.column = static_cast<int>(where.begin.column ? where.begin.column : 1);
      }
    }
  }
  return out;
}

}  // namespace aotf::host
