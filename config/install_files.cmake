# Runs at install time (from config/CMakeLists.txt) with CMAKE_INSTALL_PREFIX set.
#
# prefix /usr (the Debian package):  /etc/aotfd/aotfd.toml, data in /var/lib/aotfd, logs in
#                                    /var/log/aotfd, unit in /lib/systemd/system
# any other prefix P:                P/etc/aotfd/aotfd.toml, data in P/var/lib/aotfd, logs in
#                                    P/var/log/aotfd, unit in P/lib/systemd/system (its paths
#                                    rewritten to P)
# (The web page of the http_api plugin is installed by that plugin to P/share/aotfd/web.)
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(etc_dir "/etc/aotfd")
  set(data_dir "/var/lib/aotfd")
  set(log_dir "/var/log/aotfd")
  set(unit_dir "/lib/systemd/system")
else()
  set(etc_dir "${prefix}/etc/aotfd")
  set(data_dir "${prefix}/var/lib/aotfd")
  set(log_dir "${prefix}/var/log/aotfd")
  set(unit_dir "${prefix}/lib/systemd/system")
endif()

# The files are written to a staging folder of their own per destination, so two installs from
# one build folder (cpack and cmake --install) never write the same file.
string(MD5 destination "$ENV{DESTDIR}|${prefix}")
set(staging "${AOTF_INSTALL_STAGING}/${destination}")

# The installed configuration is the default one with the folders of an installed daemon.
file(READ "${AOTF_CONFIG_SOURCE}" config)
foreach(key data_dir log_dir)
  string(REGEX MATCH "\n${key} = \"[^\"\n]*\"" line "${config}")
  if(NOT line)
    message(FATAL_ERROR "${AOTF_CONFIG_SOURCE}: no line `${key} = \"...\"` to point at the installed folder")
  endif()
  string(REPLACE "${line}" "\n${key} = \"${${key}}\"" config "${config}")
endforeach()
string(REPLACE ", relative to the working directory" " (the systemd unit's StateDirectory)" config "${config}")
string(REPLACE "# Empty: <data_dir>/logs." "# Empty: <data_dir>/logs. (The systemd unit's LogsDirectory.)" config "${config}")
file(WRITE "${staging}/aotfd.toml" "${config}")
file(INSTALL DESTINATION "${etc_dir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES "${staging}/aotfd.toml")

file(READ "${AOTF_UNIT_SOURCE}" unit)
if(NOT prefix STREQUAL "/usr")
  string(REPLACE "/usr/bin/" "${prefix}/bin/" unit "${unit}")
  string(REPLACE "/etc/aotfd/" "${etc_dir}/" unit "${unit}")
  string(REPLACE "/lib/systemd/system/" "${unit_dir}/" unit "${unit}")
  # StateDirectory= and LogsDirectory= only make folders under /var; these are elsewhere.
  string(REPLACE "WorkingDirectory=/var/lib/aotfd"
         "WorkingDirectory=${data_dir}\nReadWritePaths=${data_dir} ${log_dir}" unit "${unit}")
endif()
file(WRITE "${staging}/aotfd.service" "${unit}")
file(INSTALL DESTINATION "${unit_dir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES "${staging}/aotfd.service")

