#pragma once
// An art site the Link Finder understands (DeviantArt, Pixiv, the boorus, ...).

#include <functional>
#include <memory>
#include <string_view>

#include "aotf/config.hpp"

namespace aotf {

class Site {
public:
  virtual ~Site() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
};

// Builds the connector from the validated keys of the plugin that registered it.
using SiteFactory = std::function<std::unique_ptr<Site>(const ConfigView& plugin_config)>;

}  // namespace aotf
