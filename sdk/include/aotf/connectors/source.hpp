#pragma once
// A social platform whose posts aotfd indexes (X, Bluesky, ...).

#include <functional>
#include <memory>
#include <string_view>

#include "aotf/config.hpp"

namespace aotf {

class Source {
public:
  virtual ~Source() = default;
  // The platform name stored with accounts and posts: "x", "bluesky".
  [[nodiscard]] virtual std::string_view platform() const = 0;
};

using SourceFactory = std::function<std::unique_ptr<Source>(const ConfigView& plugin_config)>;

}  // namespace aotf
