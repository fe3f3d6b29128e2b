#!/bin/sh
# SPDX-License-Identifier: MIT
# The Xen reference kit for `make bench`: Debian 12's Xen 4.17 with a PV dom0
# (Debian's kernel) whose initramfs runs Xen's own toolstack (xenstored,
# xenconsoled, xl) and boots the same kernel and test initramfs that Lamina's
# benchmark boots, as a PVH domU.
#
#   scripts/xen-kit.sh OUTDIR
#
# OUTDIR gets xen.elf (the hypervisor, uncompressed: QEMU's -kernel takes its
# multiboot1 header), vmlinuz (dom0's kernel) and initrd-dom0.cpio.gz. The
# domU is linux-kit's vmlinuz with initrd-test.cpio.gz. Packages come with
# `apt-get download` into build/xen-kit/ (nothing is installed on the host).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${XEN_KIT_CACHE:-$ROOT/build/xen-kit}
DEBS=$CACHE/debs
KIT=xen-kit
. "$ROOT/scripts/debfetch.sh" # say, die, fetch, unpack

[ $# = 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
for t in apt-cache apt-get dpkg-deb cpio gzip ldd flock; do
    command -v "$t" >/dev/null 2>&1 || die "'$t' not found; scripts/deps.sh check installs it"
done

# The domU (and dom0) kernel and busybox: linux-kit's, so both hypervisors
# boot byte-identical guests.
LK=$ROOT/build/linux-kit
"$ROOT/scripts/linux-kit.sh" "$LK/out" 2>/dev/null || "$ROOT/scripts/linux-kit.sh" "$LK/out"
RELEASE=$(cat "$LK/out/kernel-version.txt")
set -- "$LK"/root/linux-image-"$RELEASE"_*/lib/modules/"$RELEASE"/kernel/drivers/xen
[ -d "$1" ] || die "no unpacked kernel modules for $RELEASE under $LK/root"
XENMODS=$1
set -- "$LK"/root/busybox-static_*/bin/busybox
[ -x "$1" ] || die "no unpacked busybox under $LK/root"
BUSYBOX=$1

mkdir -p "$DEBS"
exec 9> "$CACHE/.lock"
flock 9
fetch xen-hypervisor-4.17-amd64 'xen-hypervisor-4.17-amd64_*.deb'
unpack "$DEB"
XENGZ=$(ls "$TREE"/boot/xen-4.17-amd64.gz)
# The toolstack and the libraries it loads (the rest comes from the host,
# which is the same Debian release).
TOOLS="xen-utils-4.17 xen-utils-common xenstore-utils libxencall1 libxendevicemodel1
    libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxenmisc4.17 libxenstore4
    libxentoolcore1 libxentoollog1 libyajl2"
LIBDIRS=""
for p in $TOOLS; do
    fetch "$p" "${p}_*.deb"
    unpack "$DEB"
    eval "T_$(echo "$p" | tr -c 'a-z0-9\n' '_')=\$TREE"
    [ -d "$TREE/usr/lib/x86_64-linux-gnu" ] && LIBDIRS="$LIBDIRS${LIBDIRS:+:}$TREE/usr/lib/x86_64-linux-gnu"
done
UTILS=$T_xen_utils_4_17
XSUTILS=$T_xenstore_utils

# ---------------------------------------------------------------- dom0 initramfs
R=$CACHE/dom0-root
rm -rf "$R"
for d in bin sbin usr/bin usr/sbin proc sys dev tmp run etc/xen var/lib/xen var/lib/xenstored \
    var/log/xen/console lib/modules lib64 lib/x86_64-linux-gnu usr/lib/xen-4.17/bin boot root; do
    mkdir -p "$R/$d"
done
ln -s ../run "$R/var/run"
ln -s ../run/lock "$R/var/lock"
cp "$BUSYBOX" "$R/bin/busybox"
"$BUSYBOX" --list-full | while read -r p; do
    [ "$p" = bin/busybox ] || ln -sf /bin/busybox "$R/$p"
done
for b in xl xenconsole xenstored xenconsoled xen-init-dom0; do
    f=$(ls "$UTILS"/usr/lib/xen-4.17/bin/$b 2>/dev/null || true)
    [ -n "$f" ] || die "no $b in xen-utils-4.17"
    cp "$f" "$R/usr/lib/xen-4.17/bin/"
done
cp "$XSUTILS/usr/bin/xenstore" "$R/usr/bin/"
for b in read write ls rm; do ln -s xenstore "$R/usr/bin/xenstore-$b"; done
# Shared libraries: the unpacked Xen ones first, then the host's.
for f in "$R"/usr/lib/xen-4.17/bin/* "$R/usr/bin/xenstore"; do
    LD_LIBRARY_PATH=$LIBDIRS ldd "$f" | awk '/=>/ && $3 ~ /^\// { print $3 }'
done | sort -u | while read -r l; do cp -L "$l" "$R/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$R/lib/x86_64-linux-gnu/" # xl's pthread_cancel
cp "$T_xen_utils_common/etc/xen/xl.conf" "$R/etc/xen/" 2>/dev/null || :
for m in xen-evtchn xen-privcmd xen-gntdev xen-gntalloc xenfs/xenfs; do
    cp "$XENMODS/$m.ko" "$R/lib/modules/"
done
cp "$LK/out/vmlinuz" "$R/boot/vmlinuz"
cp "$LK/out/initrd-test.cpio.gz" "$R/boot/initrd-test.cpio.gz"
cp "$ROOT/scripts/initramfs/init-xen-dom0" "$R/init"
chmod 0755 "$R/init"
(cd "$R" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
    gzip -6n > "$CACHE/initrd-dom0.cpio.gz"

mkdir -p "$OUT"
gzip -dc "$XENGZ" > "$OUT/xen.elf.tmp" && mv "$OUT/xen.elf.tmp" "$OUT/xen.elf"
cp "$LK/out/vmlinuz" "$OUT/vmlinuz"
cp "$CACHE/initrd-dom0.cpio.gz" "$OUT/initrd-dom0.cpio.gz"
say "Xen $(basename "$XENGZ" .gz), dom0 and domU kernel $RELEASE; kit ready in $OUT"
