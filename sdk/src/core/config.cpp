#include "aotf/config.hpp"

#include <cmath>
#include <sstream>

#include "aotf/error.hpp"

namespace aotf {

std::string_view to_string(ValueType type) noexcept {
  switch (type) {
    case ValueType::Bool: return "a boolean";
    case ValueType::Int: return "an integer";
    case ValueType::Float: return "a number";
    case ValueType::String: return "a string";
    case ValueType::StringList: return "an array of strings";
  }
  return "a value";
}

ValueType type_of(const ConfigValue& value) noexcept {
  switch (value.index()) {
    case 0: return ValueType::Bool;
    case 1: return ValueType::Int;
    case 2: return ValueType::Float;
    case 3: return ValueType::String;
    default: return ValueType::StringList;
  }
}

namespace {
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string format_number(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) return std::to_string(static_cast<long long>(value));
  std::ostringstream out;
  out << value;
  return out.str();
}
}  // namespace

std::string to_toml(const ConfigValue& value) {
  switch (type_of(value)) {
    case ValueType::Bool: return std::get<bool>(value) ? "true" : "false";
    case ValueType::Int: return std::to_string(std::get<std::int64_t>(value));
    case ValueType::Float: return format_number(std::get<double>(value));
    case ValueType::String: return quoted(std::get<std::string>(value));
    case ValueType::StringList: {
      std::string out = "[";
      for (const auto& item : std::get<std::vector<std::string>>(value)) {
        if (out.size() > 1) out += ", ";
        out += quoted(item);
      }
      return out + "]";
    }
  }
  return {};
}

ConfigKey ConfigKey::boolean(std::string name, bool def, std::string description) {
  return ConfigKey{std::move(name), ValueType::Bool, def, {}, {}, {}, std::move(description)};
}

ConfigKey ConfigKey::integer(std::string name, std::int64_t def, std::int64_t min, std::int64_t max,
                             std::string description) {
  return ConfigKey{std::move(name), ValueType::Int, def, static_cast<double>(min), static_cast<double>(max),
                   {}, std::move(description)};
}

ConfigKey ConfigKey::number(std::string name, double def, double min, double max, std::string description) {
  return ConfigKey{std::move(name), ValueType::Float, def, min, max, {}, std::move(description)};
}

ConfigKey ConfigKey::string(std::string name, std::string def, std::string description) {
  return ConfigKey{std::move(name), ValueType::String, std::move(def), {}, {}, {}, std::move(description)};
}

ConfigKey ConfigKey::choice(std::string name, std::string def, std::vector<std::string> choices,
                            std::string description) {
  return ConfigKey{std::move(name), ValueType::String, std::move(def), {}, {}, std::move(choices),
                   std::move(description)};
}

ConfigKey ConfigKey::strings(std::string name, std::vector<std::string> def, std::string description) {
  return ConfigKey{std::move(name), ValueType::StringList, std::move(def), {}, {}, {}, std::move(description)};
}

ConfigKey ConfigKey::required(std::string name, ValueType type, std::string description) {
  return ConfigKey{std::move(name), type, std::nullopt, {}, {}, {}, std::move(description)};
}

std::string check_value(const ConfigKey& key, const ConfigValue& value) {
  const ValueType got = type_of(value);
  const bool numeric_ok = key.type == ValueType::Float && got == ValueType::Int;
  if (got != key.type && !numeric_ok) {
    return "must be " + std::string(to_string(key.type)) + ", got " + std::string(to_string(got)) + " " +
           to_toml(value);
  }
  if (key.type == ValueType::Int || key.type == ValueType::Float) {
    const double v = got == ValueType::Int ? static_cast<double>(std::get<std::int64_t>(value))
                                           : std::get<double>(value);
    if (std::isnan(v)) return "must be a number, got nan";
    if ((key.min && v < *key.min) || (key.max && v > *key.max)) {
      std::string range;
      if (key.min && key.max) {
        range = "between " + format_number(*key.min) + " and " + format_number(*key.max);
      } else if (key.min) {
        range = "at least " + format_number(*key.min);
      } else {
        range = "at most " + format_number(*key.max);
      }
      return "must be " + range + ", got " + to_toml(value);
    }
  }
  if (key.type == ValueType::String && !key.choices.empty()) {
    const auto& s = std::get<std::string>(value);
    bool found = false;
    for (const auto& c : key.choices) found = found || c == s;
    if (!found) {
      std::string list;
      for (const auto& c : key.choices) list += (list.empty() ? "" : ", ") + quoted(c);
      return "must be one of " + list + ", got " + quoted(s);
    }
  }
  return {};
}

ConfigView::ConfigView(std::string owner, std::map<std::string, ConfigValue> values)
    : owner_(std::move(owner)), values_(values.begin(), values.end()) {}

bool ConfigView::has(std::string_view key) const { return values_.find(key) != values_.end(); }

const ConfigValue& ConfigView::at(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) {
    throw ConfigError(owner_ + " read config key '" + std::string(key) +
                      "', which it never declared; declare it with Registry::add_config_key");
  }
  return it->second;
}

namespace {
template <typename T>
const T& typed(const ConfigView& view, const ConfigValue& value, std::string_view key, ValueType want) {
  if (const T* v = std::get_if<T>(&value)) return *v;
  throw ConfigError(view.owner() + " read config key '" + std::string(key) + "' as " +
                    std::string(to_string(want)) + " but it holds " + std::string(to_string(type_of(value))));
}
}  // namespace

bool ConfigView::boolean(std::string_view key) const { return typed<bool>(*this, at(key), key, ValueType::Bool); }

std::int64_t ConfigView::integer(std::string_view key) const {
  return typed<std::int64_t>(*this, at(key), key, ValueType::Int);
}

double ConfigView::number(std::string_view key) const {
  const ConfigValue& v = at(key);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return typed<double>(*this, v, key, ValueType::Float);
}

const std::string& ConfigView::string(std::string_view key) const {
  return typed<std::string>(*this, at(key), key, ValueType::String);
}

const std::vector<std::string>& ConfigView::strings(std::string_view key) const {
  return typed<std::vector<std::string>>(*this, at(key), key, ValueType::StringList);
}

}  // namespace aotf
