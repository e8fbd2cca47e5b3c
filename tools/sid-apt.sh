# Sourced by tools/install-pythons.sh and tools/python-headers.sh: apt with its own lists
# and caches under a scratch directory, reading only Debian unstable, so that packages can
# be downloaded (never installed) without touching the system's sources or package state.
#
#   source tools/sid-apt.sh
#   sid_apt_init "$tmp"                       # fills SID_APT, updates the private lists
#   (cd "$dir" && apt-get "${SID_APT[@]}" download PACKAGE...)

sid_apt_init() {
    local dir="$1"
    mkdir -p "$dir/lists/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main" \
        >"$dir/sources.list"
    SID_APT=(
        -o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache::pkgcache=$dir/pkgcache.bin"
        -o "Dir::Cache::srcpkgcache=$dir/srcpkgcache.bin" -o APT::Sandbox::User=root
    )
    apt-get "${SID_APT[@]}" update -qq >&2
}
