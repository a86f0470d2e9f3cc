#pragma once
// The plugin entry point. A plugin is a shared library that declares itself with exactly one
//
//     AOTF_PLUGIN("name", "1.0.0", register_function)
//
// where register_function is `void register_function(aotf::Registry&)`. The macro exports one
// symbol, aotf_plugin_entry, through BOOST_DLL_ALIAS. It returns a PluginDescriptor whose first
// field is the ABI version: the host reads it before anything else and refuses a plugin built
// against another ABI.

#include <cstdint>

#include <boost/dll/alias.hpp>

#include "aotf/registry.hpp"

namespace aotf {

// Bumped whenever a type that crosses the plugin boundary changes its layout or meaning.
inline constexpr std::uint32_t kPluginAbiVersion = 1;
inline constexpr const char* kPluginEntrySymbol = "aotf_plugin_entry";

// Plain data, so the host can read abi_version and struct_size of any plugin, old or new.
// Fields are only ever added at the end.
struct PluginDescriptor {
  std::uint32_t abi_version;   // kPluginAbiVersion of the SDK the plugin was built with
  std::uint32_t struct_size;   // sizeof(PluginDescriptor) in that SDK
  const char* name;            // [a-z0-9_]+, unique among loaded plugins
  const char* version;         // the plugin's own version, free text
  void (*register_plugin)(Registry& registry);
};

using PluginEntry = const PluginDescriptor*();

}  // namespace aotf

#define AOTF_PLUGIN(NAME, VERSION, REGISTER_FUNCTION)                                           \
  namespace aotf_plugin_detail {                                                                \
  const ::aotf::PluginDescriptor* descriptor() {                                                \
    static const ::aotf::PluginDescriptor value{::aotf::kPluginAbiVersion,                      \
                                                sizeof(::aotf::PluginDescriptor), NAME, VERSION, \
                                                &REGISTER_FUNCTION};                            \
    return &value;                                                                              \
  }                                                                                             \
  }                                                                                             \
  BOOST_DLL_ALIAS(aotf_plugin_detail::descriptor, aotf_plugin_entry)
