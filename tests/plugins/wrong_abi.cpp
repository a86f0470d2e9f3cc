// Declares itself with an ABI version no aotfd speaks.
#include <aotf/plugin.hpp>

namespace wrong_abi {

void register_nothing(aotf::Registry&) {}

const aotf::PluginDescriptor* descriptor() {
  static const aotf::PluginDescriptor value{999, sizeof(aotf::PluginDescriptor), "wrong_abi", "0.0.1",
                                            &register_nothing};
  return &value;
}

}  // namespace wrong_abi

BOOST_DLL_ALIAS(wrong_abi::descriptor, aotf_plugin_entry)
