#pragma once
// Loading plugins from a folder with Boost.DLL.
//
// Each *.so file is opened with RTLD_NOW (so an unresolved symbol fails here, naming the file),
// its entry symbol is looked up, the ABI version is read before anything else, and its register
// callback fills a Registry. A file that fails any step is refused with one sentence naming the
// file, the reason and the fix; the other files still load. A plugin whose names clash with an
// earlier plugin's is refused too.
//
// Lifetime: a LoadedPlugin owns its library. Everything the plugin created (the callbacks in its
// Registry) is destroyed before the library is unloaded, and a PluginSet must outlive every
// thread that runs plugin code.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/dll/shared_library.hpp>

#include "aotf/registry.hpp"

namespace aotf::host {

struct LoadedPlugin {
  // Declared first so it is destroyed last, after `registry` dropped the plugin's callbacks.
  boost::dll::shared_library library;
  std::filesystem::path file;
  std::string name;
  std::string version;
  std::uint32_t abi_version = 0;
  Registry registry;

  LoadedPlugin() = default;
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;
  ~LoadedPlugin() { registry.clear(); }
};

struct RefusedFile {
  std::filesystem::path file;
  std::string reason;  // "<reason>; <fix>", without the file name
  [[nodiscard]] std::string str() const { return file.filename().string() + ": refused: " + reason; }
};

class PluginSet {
public:
  PluginSet() = default;
  PluginSet(const PluginSet&) = delete;
  PluginSet& operator=(const PluginSet&) = delete;
  PluginSet(PluginSet&&) = default;
  PluginSet& operator=(PluginSet&&) = default;
  ~PluginSet();

  // Loads every *.so file of the folder, in name order. `only`, when not empty, restricts loading
  // to plugins whose file stem is listed (container processes load only what they run).
  [[nodiscard]] static PluginSet load_folder(const std::filesystem::path& folder,
                                             const std::vector<std::string>& only = {});

  // Loads one file; on failure records it in refused() and returns false.
  bool load_file(const std::filesystem::path& file);

  [[nodiscard]] const std::vector<std::unique_ptr<LoadedPlugin>>& plugins() const noexcept { return plugins_; }
  [[nodiscard]] const std::vector<RefusedFile>& refused() const noexcept { return refused_; }
  [[nodiscard]] const LoadedPlugin* find(std::string_view name) const noexcept;
  // The plugin that registered a stage procedure, or null.
  [[nodiscard]] const LoadedPlugin* owner_of_stage(std::string_view procedure) const noexcept;
  [[nodiscard]] const StageProcedure* stage(std::string_view procedure) const noexcept;
  [[nodiscard]] const std::filesystem::path& folder() const noexcept { return folder_; }

  // Console command names the host itself answers; plugins may not take them.
  static const std::vector<std::string>& host_command_names();

private:
  // Why `candidate` clashes with a loaded plugin, or empty.
  [[nodiscard]] std::string clash(const LoadedPlugin& candidate) const;

  std::filesystem::path folder_;
  std::vector<std::unique_ptr<LoadedPlugin>> plugins_;
  std::vector<RefusedFile> refused_;
};

}  // namespace aotf::host
