#include "plugins/connector_set.hpp"

#include "aotf/log.hpp"

namespace aotf::host {

ConnectorSet::~ConnectorSet() = default;

void ConnectorSet::build() {
  std::call_once(built_, [this] {
    for (const auto& plugin : plugins_.plugins()) {
      const auto found = config_.plugin_configs.find(plugin->name);
      const ConfigView empty(plugin->name, {});
      const ConfigView& view = found == config_.plugin_configs.end() ? empty : found->second;
      for (const auto& site : plugin->registry.sites()) {
        try {
          if (auto made = site.make(view)) sites_.push_back(std::move(made));
        } catch (const std::exception& error) {
          log_error("host", "site '" + site.name + "' of plugin " + plugin->name +
                                " could not be built and is disabled: " + error.what());
        }
      }
      for (const auto& source : plugin->registry.sources()) {
        std::unique_ptr<Source> made;
        try {
          made = source.make(view);
        } catch (const std::exception& error) {
          log_error("host", "source '" + source.name + "' of plugin " + plugin->name +
                                " could not be built and is disabled: " + error.what());
        }
        sources_.emplace_back(source.name, std::move(made));
      }
    }
  });
}

std::vector<Site*> ConnectorSet::sites() {
  build();
  std::vector<Site*> out;
  out.reserve(sites_.size());
  for (const auto& s : sites_) out.push_back(s.get());
  return out;
}

Source* ConnectorSet::source(std::string_view platform) {
  build();
  for (const auto& [name, source] : sources_) {
    if (name == platform) return source.get();
  }
  return nullptr;
}

std::vector<std::string> ConnectorSet::platforms() {
  build();
  std::vector<std::string> out;
  for (const auto& [name, source] : sources_) {
    if (source) out.push_back(name);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ConnectorSet::image_headers(std::string_view image_url) {
  build();
  for (const auto& site : sites_) {
    if (auto headers = site->image_headers(image_url)) return *headers;
  }
  return {};
}

std::vector<std::string> ConnectorSet::connector_plugin_stems(const PluginSet& plugins) {
  std::vector<std::string> stems;
  for (const auto& plugin : plugins.plugins()) {
    if (!plugin->registry.sites().empty() || !plugin->registry.sources().empty()) {
      stems.push_back(plugin->file.stem().string());
    }
  }
  return stems;
}

}  // namespace aotf::host
