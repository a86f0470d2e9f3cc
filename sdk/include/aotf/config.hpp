#pragma once
// Configuration keys a plugin (or the host) declares, and the validated values it reads back.
//
// A plugin declares its keys while registering; the host validates the TOML file against them
// (unknown key, wrong type, out of range, missing required value are start-up errors reported as
// FILE:LINE:COLUMN) and hands each plugin a ConfigView holding exactly its declared keys.
// A key named "a.b" lives in the sub-table [plugins.<plugin>.a] as key b.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/config.hpp>

namespace aotf {

enum class ValueType { Bool, Int, Float, String, StringList };

[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string_view to_string(ValueType type) noexcept;

using ConfigValue = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>>;

[[nodiscard]] BOOST_SYMBOL_VISIBLE ValueType type_of(const ConfigValue& value) noexcept;
// The value as it would be written in TOML: true, 42, 1.5, "text", ["a", "b"].
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string to_toml(const ConfigValue& value);

struct ConfigKey {
  std::string name;                        // "timeout_s", or "deviantart.base_url" for a sub-table
  ValueType type = ValueType::String;
  std::optional<ConfigValue> default_value;  // no default = the key is required
  std::optional<double> min;               // Int and Float: inclusive bounds
  std::optional<double> max;
  std::vector<std::string> choices;        // String: the allowed values, when not free text
  std::string description;

  // Builders that read like the table of keys in a README.
  static ConfigKey boolean(std::string name, bool def, std::string description);
  static ConfigKey integer(std::string name, std::int64_t def, std::int64_t min, std::int64_t max,
                           std::string description);
  static ConfigKey number(std::string name, double def, double min, double max, std::string description);
  static ConfigKey string(std::string name, std::string def, std::string description);
  static ConfigKey choice(std::string name, std::string def, std::vector<std::string> choices,
                          std::string description);
  static ConfigKey strings(std::string name, std::vector<std::string> def, std::string description);
  static ConfigKey required(std::string name, ValueType type, std::string description);
};

// Checks a value against a key's type, range and choices. Returns an empty string when the value
// is acceptable, else the reason ("must be between 1 and 64, got 0").
[[nodiscard]] BOOST_SYMBOL_VISIBLE std::string check_value(const ConfigKey& key, const ConfigValue& value);

// The validated values of one plugin (or of the host): every declared key has a value, either
// from the file or its default. Reading an undeclared key, or with the wrong type, throws
// ConfigError: that is a bug in the plugin, named in the message.
class BOOST_SYMBOL_VISIBLE ConfigView {
public:
  ConfigView() = default;
  ConfigView(std::string owner, std::map<std::string, ConfigValue> values);

  [[nodiscard]] bool boolean(std::string_view key) const;
  [[nodiscard]] std::int64_t integer(std::string_view key) const;
  [[nodiscard]] double number(std::string_view key) const;  // accepts Int values too
  [[nodiscard]] const std::string& string(std::string_view key) const;
  [[nodiscard]] const std::vector<std::string>& strings(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const;
  [[nodiscard]] const std::map<std::string, ConfigValue, std::less<>>& values() const noexcept { return values_; }
  [[nodiscard]] const std::string& owner() const noexcept { return owner_; }

private:
  [[nodiscard]] const ConfigValue& at(std::string_view key) const;
  std::string owner_;
  std::map<std::string, ConfigValue, std::less<>> values_;
};

}  // namespace aotf
