#!/bin/sh
# SPDX-License-Identifier: MIT
# Fetching Debian packages into a cache, sourced by linux-kit.sh and xen-kit.sh.
# The caller sets KIT (its name, for messages), CACHE and DEBS (the cache and
# its .deb folder) before sourcing. fetch PKG GLOB sets DEB; unpack DEB sets TREE.

say() { echo "$KIT: $*" >&2; }
die() { echo "$KIT: error: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

APT_UPDATED=no
apt_update() {
    [ "$APT_UPDATED" = no ] && is_root || return 1
    APT_UPDATED=yes
    say "apt-get update"
    apt-get update -q >&2 || die "apt-get update failed: is the Debian archive reachable?"
}

# candidate PKG: the version apt would install, empty when apt knows none.
candidate() {
    apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

# The real kernel package behind the meta package, e.g. linux-image-6.1.0-56-amd64.
kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }'
}

# newest_cached GLOB: the newest .deb in the cache matching GLOB, if any.
newest_cached() {
    ls "$DEBS"/$1 2>/dev/null | sort -V | tail -n 1
}

# fetch PKG FALLBACK-GLOB: sets DEB to PKG's candidate .deb, downloading it
# into the cache unless it is there. When apt cannot help (no lists, archive
# unreachable, not root) a cached .deb matching FALLBACK-GLOB is used instead.
fetch() {
    pkg=$1 fallback=$2
    ver=$(candidate "$pkg")
    [ -n "$ver" ] || { apt_update && ver=$(candidate "$pkg"); } || true
    if [ -n "$ver" ]; then
        # apt-get download names files PKG_VERSION_ARCH.deb, ':' escaped as %3a.
        DEB=$(newest_cached "${pkg}_$(echo "$ver" | sed 's/:/%3a/g')_*.deb")
        [ -n "$DEB" ] && return 0
        say "downloading $pkg $ver"
        tmp=$DEBS/.download.$$
        rm -rf "$tmp" && mkdir -p "$tmp"
        # As root, apt drops to user _apt, who may not be able to write here.
        opts=""; is_root && opts="-o APT::Sandbox::User=root"
        if (cd "$tmp" && apt-get download -q $opts "$pkg=$ver" >&2) ||
           { apt_update && (cd "$tmp" && apt-get download -q $opts "$pkg=$ver" >&2); }; then
            DEB=$DEBS/$(basename "$(ls "$tmp"/*.deb)")
            mv "$tmp"/*.deb "$DEB"
            rm -rf "$tmp"
            return 0
        fi
        rm -rf "$tmp"
    fi
    DEB=$(newest_cached "$fallback")
    if [ -n "$DEB" ]; then
        say "warning: cannot fetch $pkg ${ver:-(unknown to apt)}; using the cached $(basename "$DEB")"
        return 0
    fi
    if is_root; then
        die "cannot download $pkg from the Debian archive (see apt's message above)"
    fi
    die "$pkg is not in $DEBS and apt cannot fetch it as user $(id -un).
  Run this script once as root (it runs 'apt-get update' and 'apt-get download'),
  or as root: apt-get update, then run it again."
}

# unpack DEB: sets TREE to the .deb's contents, unpacked once into the cache.
unpack() {
    TREE=$CACHE/root/$(basename "$1" .deb)
    [ -d "$TREE" ] && return 0
    say "unpacking $(basename "$1")"
    rm -rf "$TREE.tmp"
    mkdir -p "$TREE.tmp"
    dpkg-deb -x "$1" "$TREE.tmp"
    mv "$TREE.tmp" "$TREE"
}

