#!/bin/sh
# SPDX-License-Identifier: MIT
# Helpers for building initramfs images from unpacked Debian packages, sourced
# after scripts/debfetch.sh (they use its say, die, fetch and unpack). Used by
# dom0/mkimage.sh; scripts/xen-kit.sh and linux-kit.sh do the same steps and
# could source this file too.

# fetch_unpack PKG...: fetch and unpack each package. For a package such as
# libxenmisc4.17 the unpacked tree is in $T_libxenmisc4_17; every library
# folder found is appended to LIBPATH (colon-separated) for copy_libs.
LIBPATH=${LIBPATH:-}
fetch_unpack() {
    for p in "$@"; do
        fetch "$p" "${p}_*.deb"
        unpack "$DEB"
        eval "T_$(echo "$p" | tr -c 'a-z0-9\n' '_')=\$TREE"
        for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
            [ -d "$TREE/$d" ] && LIBPATH="$LIBPATH${LIBPATH:+:}$TREE/$d"
        done
    done
    return 0
}

# busybox_tree TREE BUSYBOX: BUSYBOX as TREE/bin/busybox plus the links that
# `busybox --install -s` would make, made now from its own applet list, so
# /init can use every applet from its first line.
busybox_tree() {
    mkdir -p "$1/bin"
    cp "$2" "$1/bin/busybox"
    chmod 0755 "$1/bin/busybox"
    "$2" --list-full | while read -r p; do
        [ "$p" = bin/busybox ] && continue
        mkdir -p "$1/$(dirname "$p")"
        ln -sf /bin/busybox "$1/$p"
    done
}

# find_lib NAME: the first file called NAME in the LIBPATH folders. Symbolic
# links are followed inside their own tree only: Debian's absolute ones (such
# as /lib64/ld-linux-x86-64.so.2) would otherwise lead into the build host.
find_lib() {
    (IFS=:; for d in $LIBPATH; do
        f=$d/$1
        while [ -L "$f" ]; do
            t=$(readlink "$f")
            case $t in /*) f=$d/$(basename "$t") ;; *) f=$(dirname "$f")/$t ;; esac
        done
        [ -f "$f" ] && { echo "$f"; exit 0; }
    done; exit 1)
}

# copy_libs TREE ITEM...: copy into TREE/lib/x86_64-linux-gnu the shared
# libraries the ITEMs need, transitively, and the ELF interpreter. An ITEM
# is an ELF file, or a bare library name for one that is loaded with dlopen
# (glibc's pthread_cancel loads libgcc_s.so.1). Libraries come from LIBPATH
# only, read with readelf, never ldd: nothing of the build host is run or
# copied, so the image is the same whichever Debian release builds it.
copy_libs() {
    tree=$1; shift
    lib=$tree/lib/x86_64-linux-gnu
    mkdir -p "$lib" "$tree/lib64"
    seen=" " todo="" elf=""
    for i in "$@"; do
        case $i in
        */*) todo="$todo $i"; elf=${elf:-$i} ;;
        *) copy_one_lib "$i" ;;
        esac
    done
    while [ -n "$todo" ]; do
        set -- $todo; f=$1; shift; todo="$*"
        for so in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
            copy_one_lib "$so"
        done
    done
    # Debian's binaries all name /lib64/ld-linux-x86-64.so.2, a link to
    # the real file in libc6's library folder.
    interp=$(readelf -l "$elf" | sed -n 's/.*interpreter: \(.*\)\]$/\1/p')
    [ "$interp" = /lib64/ld-linux-x86-64.so.2 ] || die "$elf: unexpected ELF interpreter '$interp'"
    copy_one_lib ld-linux-x86-64.so.2
    ln -sf ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$tree/lib64/ld-linux-x86-64.so.2"
}
# copy_one_lib NAME: copy_libs' step: copy NAME once, queue it for its own needs.
copy_one_lib() {
    case $seen in *" $1 "*) return 0 ;; esac
    seen="$seen$1 "
    l=$(find_lib "$1") || die "no $1 in the unpacked packages: add its Debian package to the list"
    cp "$l" "$lib/$1"
    todo="$todo $l"
}

# pack_initramfs TREE OUT: TREE as a gzipped newc cpio, every file root-owned
# with mtime 0, in sorted order: the same inputs give the same bytes. OUT is
# only replaced when those bytes change, so its mtime tells make the truth.
pack_initramfs() {
    find "$1" -exec touch -h -d @0 {} +
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
        cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9n > "$2.tmp"
    if cmp -s "$2.tmp" "$2"; then rm -f "$2.tmp"; else mv "$2.tmp" "$2"; fi
}

# put FILE DIR [NAME]: copy FILE into DIR (as NAME) unless already identical.
put() {
    d=$2/${3:-$(basename "$1")}
    cmp -s "$1" "$d" 2>/dev/null && return 0
    cp "$1" "$d.tmp" && mv "$d.tmp" "$d"
}
