#pragma once
// The Connectors of one process: every Site and Source the loaded plugins registered, built once
// from each plugin's factory and validated keys, the first time a stage or a command asks.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aotf/connectors/connectors.hpp"
#include "config/daemon_config.hpp"
#include "plugins/plugin_set.hpp"

namespace aotf::host {

class ConnectorSet final : public Connectors {
public:
  // Both must outlive this object; the objects built here are destroyed before the plugins.
  ConnectorSet(const PluginSet& plugins, const DaemonConfig& config) : plugins_(plugins), config_(config) {}
  ~ConnectorSet() override;

  std::vector<Site*> sites() override;
  Source* source(std::string_view platform) override;
  std::vector<std::string> platforms() override;
  std::vector<std::pair<std::string, std::string>> image_headers(std::string_view image_url) override;

  // The stems of the plugin files that register a site or a source (a container loads them).
  [[nodiscard]] static std::vector<std::string> connector_plugin_stems(const PluginSet& plugins);

private:
  void build();

  const PluginSet& plugins_;
  const DaemonConfig& config_;
  std::once_flag built_;
  std::vector<std::unique_ptr<Site>> sites_;
  std::vector<std::pair<std::string, std::unique_ptr<Source>>> sources_;  // nullptr: disabled
};

}  // namespace aotf::host
