#!/usr/bin/env bash
# Fetch CPython's C headers for an interpreter that has none (the Debian-built 3.14 and 3.15
# that tools/install-pythons.sh installs), so that the optional C fast paths can be built
# for it. The headers come from Debian unstable's libpython<minor>-dev, fetched with a
# private apt configuration (the system's sources and package state are not touched), and
# are unpacked under DEST; the script prints the preprocessor flags that point a build at
# them (for CPPFLAGS: setuptools adds those to its own flags, while CFLAGS replaces them,
# optimisation included).
#
#   CPPFLAGS="$(bash tools/python-headers.sh 3.14 /tmp/hdr-3.14)" pip install -e .
set -euo pipefail

minor="${1:?usage: python-headers.sh MINOR DEST}"
dest="${2:?usage: python-headers.sh MINOR DEST}"
arch_lib="x86_64-linux-gnu"
[[ "$(uname -m)" == "x86_64" ]] || { echo "python-headers: only x86_64 is supported" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/debs" "$dest"
# shellcheck source=tools/sid-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/sid-apt.sh"
sid_apt_init "$tmp"
(cd "$tmp/debs" && apt-get "${SID_APT[@]}" download "libpython$minor-dev" >&2)
for deb in "$tmp"/debs/*.deb; do
    dpkg -x "$deb" "$dest"
done
include="$dest/usr/include"
[[ -f "$include/python$minor/Python.h" && -f "$include/$arch_lib/python$minor/pyconfig.h" ]] \
    || { echo "python-headers: libpython$minor-dev has no Python.h or pyconfig.h" >&2; exit 1; }
# Debian's pyconfig.h includes <x86_64-linux-gnu/python3.X/pyconfig.h>: both directories
echo "-I$include/python$minor -I$include"
