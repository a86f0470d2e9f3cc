// A shared library with exported code but no aotf_plugin_entry symbol.
#include <boost/config.hpp>

extern "C" BOOST_SYMBOL_EXPORT int no_entry_answer() { return 42; }
