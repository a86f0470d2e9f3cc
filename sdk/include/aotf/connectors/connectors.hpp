#pragma once
// The connectors every loaded plugin registered, as a stage or a console command sees them.
//
// The host builds each Site and Source once per process, from the factory its plugin registered
// and that plugin's validated [plugins.<name>] keys, the first time any of them is asked for.
// One object serves every worker of the process at once (Sites keep no per-request state; a
// Source's HTTP client is shared by threads). A container process loads every connector plugin
// besides the stage plugins it runs, so stages see the same connectors in both modes.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aotf/connectors/site.hpp"
#include "aotf/connectors/source.hpp"

namespace aotf {

class Connectors {
public:
  virtual ~Connectors() = default;

  // Every site, in plugin load order then registration order: the Link Finder gives a URL to
  // the first that owns it.
  [[nodiscard]] virtual std::vector<Site*> sites() = 0;

  // The source of `platform` ("x", "bluesky"), or nullptr when no plugin registered one or its
  // configuration disables it (the plugin logged why once).
  [[nodiscard]] virtual Source* source(std::string_view platform) = 0;

  // The platforms whose source is enabled, in load order.
  [[nodiscard]] virtual std::vector<std::string> platforms() = 0;

  // Extra headers to send when downloading `image_url` (Pixiv's image host wants a Referer):
  // the first site that knows the URL answers; empty when none does.
  [[nodiscard]] virtual std::vector<std::pair<std::string, std::string>> image_headers(std::string_view image_url) = 0;
};

}  // namespace aotf
