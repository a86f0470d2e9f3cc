#include "plugins/plugin_set.hpp"

#include <algorithm>
#include <cctype>
#include <exception>
#include <fstream>

#include <boost/dll/shared_library_load_mode.hpp>
#include <boost/system/system_error.hpp>

#include "aotf/plugin.hpp"

namespace aotf::host {

namespace {


// Boost.DLL appends dlerror()'s text to its message; keep only that text.
std::string dlerror_text(const std::string& what) {
  const std::string marker = "dlerror system message: ";
  auto at = what.find(marker);
  if (at == std::string::npos) return what;
  std::string text = what.substr(at + marker.size());
  if (!text.empty() && text.back() == ')') text.pop_back();
  return text;
}

bool looks_like_elf(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

std::string load_failure(const std::string& what) {
  const std::string text = dlerror_text(what);
  const std::string undefined = "undefined symbol: ";
  if (auto at = text.find(undefined); at != std::string::npos) {
    std::string symbol = text.substr(at + undefined.size());
    auto end = std::find_if(symbol.begin(), symbol.end(), [](char c) {
      return !(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '@' || c == '$');
    });
    symbol.erase(end, symbol.end());
    return "unresolved symbol '" + symbol +
           "' at load time; link the library that defines it into the plugin, or rebuild the plugin against this "
           "aotfd's SDK";
  }
  return "cannot be loaded (" + text + "); check that it is built for this machine and that its libraries are installed";
}

bool valid_plugin_name(const char* name) {
  if (!name || !*name) return false;
  std::string_view s(name);
  return s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

}  // namespace

PluginSet::~PluginSet() {
  // Drop every callback of every plugin before any library is unloaded, in reverse load order.
  for (auto it = plugins_.rbegin(); it != plugins_.rend(); ++it) (*it)->registry.clear();
  while (!plugins_.empty()) plugins_.pop_back();
}

const std::vector<std::string>& PluginSet::host_command_names() {
  static const std::vector<std::string> names = {"help", "threads", "queues", "metrics", "stacks",
                                                 "plugins", "reload", "stop"};
  return names;
}

PluginSet PluginSet::load_folder(const std::filesystem::path& folder, const std::vector<std::string>& only) {
  PluginSet set;
  set.folder_ = folder;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (entry.path().extension() != ".so") continue;
    if (!entry.is_regular_file(ec) && !entry.is_symlink(ec)) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), entry.path().stem().string()) == only.end()) continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) set.load_file(file);
  return set;
}

bool PluginSet::load_file(const std::filesystem::path& file) {
  auto refuse = [&](std::string reason) {
    refused_.push_back({file, std::move(reason)});
    return false;
  };

  if (!looks_like_elf(file)) {
    return refuse("not a shared library (invalid ELF header); remove it from the plugins folder, or replace it "
                  "with a plugin built with aotf_add_plugin()");
  }
  auto plugin = std::make_unique<LoadedPlugin>();
  plugin->file = file;
  try {
    plugin->library.load(boost::dll::fs::path(file.string()),
                         boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& error) {
    return refuse(load_failure(error.what()));
  }

  if (!plugin->library.has(kPluginEntrySymbol)) {
    return refuse(std::string("no '") + kPluginEntrySymbol +
                  "' entry symbol, so it is not an aotfd plugin; declare it with AOTF_PLUGIN(name, version, "
                  "register_function) and build it with aotf_add_plugin()");
  }

  const PluginDescriptor* descriptor = nullptr;
  try {
    descriptor = plugin->library.get_alias<PluginEntry>(kPluginEntrySymbol)();
  } catch (const std::exception& error) {
    return refuse(std::string("its entry function threw: ") + error.what() + "; fix the plugin");
  } catch (...) {
    return refuse("its entry function threw a non-standard exception; fix the plugin");
  }
  if (!descriptor) return refuse("its entry function returned no descriptor; declare it with AOTF_PLUGIN()");

  // The ABI version is the first field of every descriptor ever built: read it before the rest.
  plugin->abi_version = descriptor->abi_version;
  if (descriptor->abi_version != kPluginAbiVersion) {
    return refuse("built for plugin ABI " + std::to_string(descriptor->abi_version) + " but this aotfd speaks ABI " +
                  std::to_string(kPluginAbiVersion) + "; rebuild it against SDK ABI " +
                  std::to_string(kPluginAbiVersion));
  }
  if (descriptor->struct_size < sizeof(PluginDescriptor)) {
    return refuse("its descriptor is " + std::to_string(descriptor->struct_size) + " bytes, expected at least " +
                  std::to_string(sizeof(PluginDescriptor)) + "; rebuild it against this SDK");
  }
  if (!valid_plugin_name(descriptor->name)) {
    return refuse(std::string("its name '") + (descriptor->name ? descriptor->name : "") +
                  "' is invalid; use 1 to 64 characters of [a-z0-9_] in AOTF_PLUGIN()");
  }
  plugin->name = descriptor->name;
  plugin->version = descriptor->version ? descriptor->version : "";
  if (!descriptor->register_plugin) return refuse("plugin '" + plugin->name + "' has no register function");

  try {
    descriptor->register_plugin(plugin->registry);
  } catch (const std::exception& error) {
    plugin->registry.clear();
    return refuse("plugin '" + plugin->name + "' threw while registering: " + error.what() +
                  "; fix its register function");
  } catch (...) {
    plugin->registry.clear();
    return refuse("plugin '" + plugin->name +
                  "' threw a non-standard exception while registering; fix its register function");
  }

  if (std::string why = clash(*plugin); !why.empty()) {
    plugin->registry.clear();
    return refuse(why);
  }
  plugins_.push_back(std::move(plugin));
  return true;
}

std::string PluginSet::clash(const LoadedPlugin& candidate) const {
  auto by = [](const LoadedPlugin& p) { return "plugin '" + p.name + "' (" + p.file.filename().string() + ")"; };
  for (const auto& other : plugins_) {
    if (other->name == candidate.name) {
      return "plugin name '" + candidate.name + "' is already taken by " + by(*other) +
             "; remove one of the two files or rename one plugin";
    }
  }
  auto check = [&](const std::string& what, const std::string& name, auto&& registered_in) -> std::string {
    for (const auto& other : plugins_) {
      if (registered_in(*other, name)) {
        return "plugin '" + candidate.name + "' registers " + what + " '" + name + "', already registered by " +
               by(*other) + "; rename one of them or remove one plugin";
      }
    }
    return {};
  };
  auto has = [](const auto& list, const std::string& name) {
    return std::any_of(list.begin(), list.end(), [&](const auto& item) { return item.name == name; });
  };
  const Registry& r = candidate.registry;
  for (const auto& s : r.stages()) {
    if (auto why = check("stage procedure", s.name, [&](const LoadedPlugin& p, const std::string& n) {
          return has(p.registry.stages(), n);
        }); !why.empty())
      return why;
  }
  for (const auto& s : r.sites()) {
    if (auto why = check("site connector", s.name, [&](const LoadedPlugin& p, const std::string& n) {
          return has(p.registry.sites(), n);
        }); !why.empty())
      return why;
  }
  for (const auto& s : r.sources()) {
    if (auto why = check("source connector", s.name, [&](const LoadedPlugin& p, const std::string& n) {
          return has(p.registry.sources(), n);
        }); !why.empty())
      return why;
  }
  for (const auto& c : r.commands()) {
    const auto& host = host_command_names();
    if (std::find(host.begin(), host.end(), c.name) != host.end()) {
      return "plugin '" + candidate.name + "' registers console command '" + c.name +
             "', which is built into aotfd; rename the command";
    }
    if (auto why = check("console command", c.name, [&](const LoadedPlugin& p, const std::string& n) {
          return has(p.registry.commands(), n);
        }); !why.empty())
      return why;
  }
  return {};
}

const LoadedPlugin* PluginSet::find(std::string_view name) const noexcept {
  for (const auto& p : plugins_) {
    if (p->name == name) return p.get();
  }
  return nullptr;
}

const LoadedPlugin* PluginSet::owner_of_stage(std::string_view procedure) const noexcept {
  for (const auto& p : plugins_) {
    for (const auto& s : p->registry.stages()) {
      if (s.name == procedure) return p.get();
    }
  }
  return nullptr;
}

const StageProcedure* PluginSet::stage(std::string_view procedure) const noexcept {
  for (const auto& p : plugins_) {
    for (const auto& s : p->registry.stages()) {
      if (s.name == procedure) return &s;
    }
  }
  return nullptr;
}

}  // namespace aotf::host
