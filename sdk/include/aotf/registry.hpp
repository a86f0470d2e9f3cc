#pragma once
// What a plugin registers while the host loads it. The host calls the plugin's register
// callback once with an empty Registry, checks the result against the other plugins (two plugins
// registering the same procedure, connector or command name is refused) and keeps it for the
// life of the library.

#include <string>
#include <vector>

#include <boost/config.hpp>

#include "aotf/config.hpp"
#include "aotf/connectors/site.hpp"
#include "aotf/connectors/source.hpp"
#include "aotf/console.hpp"
#include "aotf/stage.hpp"

namespace aotf {

struct SiteRegistration {
  std::string name;
  SiteFactory make;
};

struct SourceRegistration {
  std::string name;  // the platform name
  SourceFactory make;
};

class BOOST_SYMBOL_VISIBLE Registry {
public:
  // Each add_* throws aotf::Error on an empty or malformed name, a missing callback, or a name
  // this plugin already registered.
  void add_stage(StageProcedure procedure);
  void add_site(std::string name, SiteFactory make);
  void add_source(std::string platform, SourceFactory make);
  void add_command(ConsoleCommand command);
  void add_config_key(ConfigKey key);

  [[nodiscard]] const std::vector<StageProcedure>& stages() const noexcept { return stages_; }
  [[nodiscard]] const std::vector<SiteRegistration>& sites() const noexcept { return sites_; }
  [[nodiscard]] const std::vector<SourceRegistration>& sources() const noexcept { return sources_; }
  [[nodiscard]] const std::vector<ConsoleCommand>& commands() const noexcept { return commands_; }
  [[nodiscard]] const std::vector<ConfigKey>& config_keys() const noexcept { return config_keys_; }

  // Drops every callback; the host calls this before unloading the library that made them.
  void clear() noexcept;

private:
  std::vector<StageProcedure> stages_;
  std::vector<SiteRegistration> sites_;
  std::vector<SourceRegistration> sources_;
  std::vector<ConsoleCommand> commands_;
  std::vector<ConfigKey> config_keys_;
};

}  // namespace aotf
