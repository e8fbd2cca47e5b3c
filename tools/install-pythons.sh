#!/usr/bin/env bash
# Install CPython 3.14 and 3.15 beside the pyenv interpreters, without changing the system.
#
# Debian unstable ships both as binary packages. They are fetched with a private apt
# configuration (the system's sources and package state are not touched), unpacked with the
# C library they were built against under $PREFIX, the interpreters are pointed at that C
# library (patchelf), and ~/.pyenv/versions/<version>/bin/python3 links to them, which is
# where .ci/run looks for interpreters. venv and pip work. Safe to run again.
#
#   bash tools/install-pythons.sh                     # 3.14 and 3.15
#   MINORS=3.14 PREFIX=/opt/pysid bash tools/install-pythons.sh
set -euo pipefail

PREFIX="${PREFIX:-/opt/pysid}"
PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}"
MINORS="${MINORS:-3.14 3.15}"
ARCH_LIB="x86_64-linux-gnu"
[[ "$(uname -m)" == "x86_64" ]] || { echo "install-pythons: only x86_64 is supported" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if ! command -v patchelf >/dev/null; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq patchelf >/dev/null
fi

# apt with its own lists and caches, reading only Debian unstable
mkdir -p "$tmp/debs"
# shellcheck source=tools/sid-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/sid-apt.sh"
sid_apt_init "$tmp"

# the interpreter, its standard library and test suite, and the shared libraries they load
packages=(
    libc6 libgcc-s1 libstdc++6 libbz2-1.0 libdb5.3t64 libexpat1 libffi8 liblzma5 libncursesw6
    libreadline8t64 libsqlite3-0 libssl3t64 libtinfo6 libuuid1 libzstd1 zlib1g libmpdec4
    libgdbm6t64 libcrypt1 python3-pip-whl python3-setuptools-whl
)
for minor in $MINORS; do
    packages+=("python$minor-minimal" "libpython$minor-minimal" "libpython$minor-stdlib"
               "python$minor" "python$minor-venv" "libpython$minor-testsuite")
done
(cd "$tmp/debs" && apt-get "${SID_APT[@]}" download "${packages[@]}" >/dev/null)
mkdir -p "$PREFIX"
for deb in "$tmp"/debs/*.deb; do
    dpkg -x "$deb" "$PREFIX"
done

libdir="$PREFIX/usr/lib/$ARCH_LIB"
wheels="$PREFIX/usr/share/python-wheels"
for minor in $MINORS; do
    exe="$PREFIX/usr/bin/python$minor"
    patchelf --set-interpreter "$libdir/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$libdir" "$exe"
    # Debian's ensurepip (used by venv) looks for its wheels under /usr/share/python-wheels
    for file in "$PREFIX/usr/lib/python$minor/ensurepip/__init__.py" \
                "$PREFIX/usr/lib/python$minor/"sysconfig* \
                "$PREFIX/usr/lib/python$minor/"_sysconfigdata*; do
        [[ -e "$file" ]] || continue
        if [[ -d "$file" ]]; then
            { grep -rl "/usr/share/python-wheels" "$file" || true; } | xargs -r sed -i "s#/usr/share/python-wheels#$wheels#g"
        elif grep -q "/usr/share/python-wheels" "$file"; then
            sed -i "s#/usr/share/python-wheels#$wheels#g" "$file"
        fi
    done
    version="$("$exe" -c 'import platform; print(platform.python_version())')"
    bindir="$PYENV_ROOT/versions/$version/bin"
    mkdir -p "$bindir"
    for name in python3 python "python$minor"; do
        ln -sf "$exe" "$bindir/$name"
    done
    "$bindir/python3" -m venv "$tmp/venv-$minor"
    "$tmp/venv-$minor/bin/python" -m pip --version >/dev/null
    echo "install-pythons: CPython $version at $bindir/python3 (venv and pip work)"
done
