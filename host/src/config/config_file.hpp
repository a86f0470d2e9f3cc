#pragma once
// The daemon's TOML file: parsing with toml++ and validation against declared keys.
//
// Every problem is reported as FILE:LINE:COLUMN: message, all of them at once, so an operator
// fixes a file in one pass. Nothing is started while a problem remains.

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aotf/config.hpp"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace aotf::host {

struct ConfigIssue {
  std::string file;
  int line = 1;
  int column = 1;
  std::string message;
  [[nodiscard]] std::string str() const;  // "FILE:LINE:COLUMN: message"
};

// A parsed TOML file. Keys are looked up by dotted path; positions come from the file.
class ConfigFile {
public:
  // Reads and parses the file. A missing file or a TOML syntax error is returned as an issue.
  [[nodiscard]] static std::unique_ptr<ConfigFile> parse(const std::filesystem::path& path,
                                                         std::vector<ConfigIssue>& issues);
  // Parses text (tests, and files read elsewhere); `name` is used in messages.
  [[nodiscard]] static std::unique_ptr<ConfigFile> parse_text(std::string text, std::string name,
                                                              std::vector<ConfigIssue>& issues);
  ~ConfigFile();

  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  // Validates the table at `table_path` ("" = the top level, "plugins.sites" = [plugins.sites])
  // against `keys`. Sub-tables named in `skip` are left to other validators. Returns every
  // declared key with its value (from the file or the default); appends problems to `issues`.
  // `label` names the table in messages ("[plugins.sites]", or "" for the top level).
  [[nodiscard]] std::map<std::string, ConfigValue> validate(const std::string& table_path,
                                                            const std::vector<ConfigKey>& keys,
                                                            const std::vector<std::string>& skip,
                                                            std::vector<ConfigIssue>& issues) const;

  // Names of the sub-tables of the table at `table_path`, with the position of each.
  struct SubTable {
    std::string name;
    int line;
    int column;
    bool is_table;  // false: the name holds a value, not a table
  };
  [[nodiscard]] std::vector<SubTable> children(const std::string& table_path) const;

  // Position of the key or table at a dotted path, or 1:1 when absent.
  [[nodiscard]] ConfigIssue issue_at(const std::string& dotted_path, std::string message) const;

private:
  ConfigFile(std::string name, std::unique_ptr<toml::table> root);
  std::string name_;
  std::unique_ptr<toml::table> root_;
};

// Orders issues as they appear in their file, so an operator reads them top to bottom.
void sort_issues(std::vector<ConfigIssue>& issues);

// The closest candidate within two edits, for "did you mean" hints; empty when none is close.
[[nodiscard]] std::string closest_name(const std::string& wrong, const std::vector<std::string>& candidates);

}  // namespace aotf::host
