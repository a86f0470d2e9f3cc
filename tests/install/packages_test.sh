#!/usr/bin/env bash
# Builds the Debian packages from the build folder (cpack, no rebuild), checks what they carry,
# then runs the daemon extracted from the aotfd package, and the daemon of `cmake --install`.
# Usage: packages_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
daemon_deb=$(ls "$work"/pkg/aotfd_*.deb) || fail "no aotfd_*.deb"
dev_deb=$(ls "$work"/pkg/aotfd-dev_*.deb) || fail "no aotfd-dev_*.deb"

# --- the aotfd package --------------------------------------------------------------------------
contents=$(dpkg-deb -c "$daemon_deb" | awk '{print $6}')
for f in ./usr/bin/aotfd ./usr/bin/aotfctl ./usr/lib/libaotf_sdk.so.1 ./etc/aotfd/aotfd.toml \
         ./lib/systemd/system/aotfd.service; do
  grep -qxF "$f" <<<"$contents" || fail "$f is not in $(basename "$daemon_deb")"
done
# Every plugin built from plugins/<name>/ is in the package, and nothing else is (a file left in
# the build's plugins folder by another build is not a plugin of this one).
built_plugins=$(cd "$build/lib/aotfd/plugins" && for f in *.so; do
  [[ -d $source/plugins/${f%.so} ]] && echo "$f"; done | sort)
packaged_plugins=$(grep '^./usr/lib/aotfd/plugins/.*\.so$' <<<"$contents" | sed 's#.*/##' | sort)
[[ -n $built_plugins && $built_plugins == "$packaged_plugins" ]] ||
  fail "plugins built: [$built_plugins]; packaged: [$packaged_plugins]"
if grep -qE '/include/|/cmake/|libaotf_sdk\.so$' <<<"$contents"; then fail "development files in the aotfd package"; fi
if [[ -d $build/share/aotfd/web ]]; then
  grep -q '^./usr/share/aotfd/web/' <<<"$contents" || fail "the web page is not in the aotfd package"
fi

[[ $(dpkg-deb --ctrl-tarfile "$daemon_deb" | tar -xO ./conffiles) == "/etc/aotfd/aotfd.toml" ]] ||
  fail "/etc/aotfd/aotfd.toml is not the package's conffile"
postinst=$(dpkg-deb --ctrl-tarfile "$daemon_deb" | tar -xO ./postinst)
joined=$(tr -d '\\\n' <<<"$postinst")
grep -qE 'adduser --system --group .* aotfd( |$)' <<<"$joined" || fail "postinst does not create the aotfd user"
depends=$(dpkg-deb -f "$daemon_deb" Depends)
# dpkg-shlibdeps computed the libraries' packages; adduser is there for postinst.
depends_names=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//')
for p in adduser libc6 libstdc++6 libsqlite3-0 libboost-filesystem1.74.0; do
  grep -qxF "$p" <<<"$depends_names" || fail "Depends lacks $p: $depends"
done
grep -q 'libaotf' <<<"$depends" && fail "Depends names the package's own library: $depends"

unit=$(dpkg-deb --fsys-tarfile "$daemon_deb" | tar -xO ./lib/systemd/system/aotfd.service)
for line in 'Type=notify' 'ExecStart=/usr/bin/aotfd --config /etc/aotfd/aotfd.toml' \
            'ExecReload=/usr/bin/aotfctl --config /etc/aotfd/aotfd.toml reload' 'User=aotfd' \
            'StateDirectory=aotfd' 'LogsDirectory=aotfd' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
            'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'; do
  grep -qxF "$line" <<<"$unit" || fail "the unit lacks '$line'"
done
grep -q '^WatchdogSec=[1-9]' <<<"$unit" || fail "the unit sets no WatchdogSec"
config=$(dpkg-deb --fsys-tarfile "$daemon_deb" | tar -xO ./etc/aotfd/aotfd.toml)
grep -qxF 'data_dir = "/var/lib/aotfd"' <<<"$config" || fail "the packaged config's data_dir is not the StateDirectory"
grep -qxF 'log_dir = "/var/log/aotfd"' <<<"$config" || fail "the packaged config's log_dir is not the LogsDirectory"

# --- the aotfd-dev package ----------------------------------------------------------------------
dev=$(dpkg-deb -c "$dev_deb" | awk '{print $6}')
for f in ./usr/include/aotf/plugin.hpp ./usr/include/aotf/version.hpp ./usr/include/aotf/connectors/site.hpp \
         ./usr/lib/cmake/AotfSDK/AotfSDKConfig.cmake ./usr/lib/cmake/AotfSDK/AotfSDKConfigVersion.cmake \
         ./usr/lib/cmake/AotfSDK/AotfPlugin.cmake ./usr/lib/libaotf_sdk.so \
         ./usr/share/aotfd/examples/e621/CMakeLists.txt ./usr/share/aotfd/examples/e621/README.md \
         ./usr/share/aotfd/examples/e621/src/e621_site.cpp; do
  grep -qxF "$f" <<<"$dev" || fail "$f is not in $(basename "$dev_deb")"
done
grep -qE '/bin/|/plugins/' <<<"$dev" && fail "daemon files in the aotfd-dev package"
grep -q "aotfd (= $(dpkg-deb -f "$daemon_deb" Version))" <<<"$(dpkg-deb -f "$dev_deb" Depends)" ||
  fail "aotfd-dev does not depend on the same aotfd version"

# --- the extracted daemon runs from wherever it lies --------------------------------------------
root=$work/root
dpkg-deb -x "$daemon_deb" "$root"
# (grep reads variables, never a pipe: with pipefail, `grep -q` leaving early fails the writer.)
libs=$(ldd "$root/usr/bin/aotfd")
grep -qF "libaotf_sdk.so.1 => $root/usr/bin/../lib/libaotf_sdk.so.1" <<<"$libs" ||
  fail "the extracted aotfd does not load the SDK through its RUNPATH: $libs"
out=$("$root/usr/bin/aotfd" --config "$root/etc/aotfd/aotfd.toml" check-config) || fail "check-config: $out"
grep -q "configuration is valid" <<<"$out" || fail "check-config said: $out"
out=$("$root/usr/bin/aotfd" --config "$root/etc/aotfd/aotfd.toml" plugins)
grep -qF "plugins folder: $root/usr/lib/aotfd/plugins" <<<"$out" || fail "plugins folder not next to the binary: $out"
count=$(wc -w <<<"$built_plugins")
grep -qF "$count loaded, 0 refused" <<<"$out" || fail "expected $count plugins loaded: $out"
for p in $built_plugins; do grep -qF "  $p: plugin '" <<<"$out" || fail "$p not loaded: $out"; done
"$root/usr/bin/aotfctl" --help >/dev/null || fail "the extracted aotfctl does not run"

# --- cmake --install: the installed aotfd finds its configuration without --config --------------
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
mkdir "$work/elsewhere"
cd "$work/elsewhere"   # no config/aotfd.toml here
out=$("$prefix/bin/aotfd" check-config) || fail "installed check-config: $out"
grep -qF "$prefix/etc/aotfd/aotfd.toml: configuration is valid" <<<"$out" || fail "installed config not found: $out"
grep -qxF "data_dir = \"$prefix/var/lib/aotfd\"" "$prefix/etc/aotfd/aotfd.toml" || fail "installed data_dir"
grep -qxF "ExecStart=$prefix/bin/aotfd --config $prefix/etc/aotfd/aotfd.toml" "$prefix/lib/systemd/system/aotfd.service" ||
  fail "the installed unit does not point at the prefix"
# The unit parses, and its ExecStart/ExecReload binaries exist (systemd-analyze needs no running systemd).
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify "$prefix/lib/systemd/system/aotfd.service" 2>&1) || fail "systemd-analyze verify: $out"
  [[ -z $out ]] || fail "systemd-analyze verify warns: $out"
fi
# $AOTFD_CONFIG wins over the installed file.
if out=$(AOTFD_CONFIG=$work/none.toml "$prefix/bin/aotfd" check-config 2>&1); then fail "AOTFD_CONFIG ignored: $out"; fi
grep -qF "$work/none.toml" <<<"$out" || fail "the error does not name \$AOTFD_CONFIG's file: $out"
echo "packages and installed tree checked"
