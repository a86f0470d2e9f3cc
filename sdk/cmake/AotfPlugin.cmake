# aotf_add_plugin(<name> [SOURCES] <file>... [LIBRARIES <lib>...] [OUTPUT_DIRECTORY <dir>]
#                 [ALLOW_UNDEFINED])
#
# Builds an aotfd plugin: a shared module named <name>.so, linked to the SDK, with hidden
# visibility (only the entry symbol is exported) and -fno-gnu-unique (so the library can really
# be unloaded). Undefined symbols are link errors unless ALLOW_UNDEFINED is given, so a missing
# library is found when building, not when the daemon starts.
function(aotf_add_plugin name)
  cmake_parse_arguments(ARG "ALLOW_UNDEFINED" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES} ${ARG_UNPARSED_ARGUMENTS})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    BUILD_RPATH_USE_ORIGIN ON
    INSTALL_RPATH "$ORIGIN/../..")
  target_compile_features(${name} PRIVATE cxx_std_20)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${name} PRIVATE -fno-gnu-unique)
  endif()
  if(NOT ARG_ALLOW_UNDEFINED)
    target_link_options(${name} PRIVATE -Wl,-z,defs)
  endif()
  if(TARGET aotf_sdk)
    target_link_libraries(${name} PRIVATE aotf_sdk)
  else()
    target_link_libraries(${name} PRIVATE Aotf::sdk)
  endif()
  if(ARG_LIBRARIES)
    target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES})
  endif()
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  elseif(DEFINED AOTF_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${AOTF_PLUGIN_OUTPUT_DIR})
  endif()
  # In the aotfd tree, the plugins built into the plugins folder are installed (component
  # `plugins`, part of the aotfd package); test plugins built elsewhere are not. Out of the tree,
  # a plugin project writes its own install rule (sdk/examples/e621/CMakeLists.txt).
  if(NOT ARG_OUTPUT_DIRECTORY AND DEFINED AOTF_PLUGIN_INSTALL_DIR)
    install(TARGETS ${name} LIBRARY DESTINATION ${AOTF_PLUGIN_INSTALL_DIR} COMPONENT plugins)
  endif()
endfunction()

# aotf_add_plugin_library(<target> SOURCES <file>... [LIBRARIES <lib>...])
#
# The code of a plugin as a static library, so unit tests link it without loading the plugin:
# position-independent, hidden visibility and -fno-gnu-unique like the plugin itself, its src/
# folder on the include path, linked to the SDK. The plugin is then
# `aotf_add_plugin(<name> SOURCES src/plugin.cpp LIBRARIES <target>)`.
function(aotf_add_plugin_library target)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${target} STATIC ${ARG_SOURCES} ${ARG_UNPARSED_ARGUMENTS})
  set_target_properties(${target} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -fno-gnu-unique)
  endif()
  target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
  if(TARGET aotf_sdk)
    target_link_libraries(${target} PUBLIC aotf_sdk)
  else()
    target_link_libraries(${target} PUBLIC Aotf::sdk)
  endif()
  if(ARG_LIBRARIES)
    target_link_libraries(${target} PUBLIC ${ARG_LIBRARIES})
  endif()
endfunction()
