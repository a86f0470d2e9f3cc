# aotf_daemon_rig: the header-only rig that starts a real aotfd on a temporary folder
# (tests/support/daemon_rig.hpp). A suite includes this file and links the target; it needs the
# host library (the control socket client) and must depend on the aotfd target itself.
if(NOT TARGET aotf_daemon_rig)
  add_library(aotf_daemon_rig INTERFACE)
  target_include_directories(aotf_daemon_rig INTERFACE ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(aotf_daemon_rig INTERFACE aotfd_host util)
  target_compile_definitions(aotf_daemon_rig INTERFACE AOTFD_BINARY="$<TARGET_FILE:aotfd>")
endif()
