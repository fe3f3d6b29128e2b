#!/bin/sh
# SPDX-License-Identifier: MIT
# Lamina's dom0 image, made from Debian 12 packages only: Debian's own kernel
# boots as a PVH control domain and runs Debian's unmodified Xen 4.17
# toolstack (xl, xenstored, xenconsoled, ...) under a busybox shell.
#
#   dom0/mkimage.sh OUTDIR
#
# OUTDIR gets vmlinux (the PVH ELF kernel), vmlinuz (the bzImage it came from,
# for GRUB or Xen), initrd-dom0.cpio.gz and kernel-version.txt. The kernel,
# its modules, busybox and the domU's initramfs come from scripts/linux-kit.sh;
# the toolstack and every library it loads are fetched with `apt-get download`
# into build/dom0/ (nothing is installed on the host, and nothing of the host
# goes into the image). Files are only rewritten when their bytes change.
# See dom0/README.md.
set -eu
umask 022 # the tree's modes go into the image

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${DOM0_CACHE:-$ROOT/build/dom0}
DEBS=$CACHE/debs
LK=${LINUX_KIT_CACHE:-$ROOT/build/linux-kit}
XEN=/usr/lib/xen-4.17 # where xen-utils-4.17 keeps its programs, and xl looks

KIT=dom0
. "$ROOT/scripts/debfetch.sh" # say, die, fetch, unpack
. "$ROOT/dom0/lib.sh"         # fetch_unpack, busybox_tree, copy_libs, pack_initramfs, put

[ $# = 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
for t in apt-cache apt-get dpkg-deb cpio gzip readelf flock cmp; do
    command -v "$t" >/dev/null 2>&1 ||
        die "'$t' not found; scripts/deps.sh check installs what is missing (cpio, binutils)"
done

# ---------------------------------------------------------------- inputs
# The kernel, busybox and the domU's initramfs: linux-kit's, so dom0 runs
# the very kernel the system tests boot as a domU.
LINUX_KIT_CACHE=$LK "$ROOT/scripts/linux-kit.sh" "$LK/out"
RELEASE=$(cat "$LK/out/kernel-version.txt")
# The unpacked kernel package whose bzImage linux-kit delivered (an older
# revision may still be unpacked next to it): its modules match the kernel.
KTREE=""
for t in "$LK"/root/linux-image-"$RELEASE"_*; do
    cmp -s "$t/boot/vmlinuz-$RELEASE" "$LK/out/vmlinuz" && KTREE=$t
done
[ -n "$KTREE" ] || die "no unpacked kernel package under $LK/root matches $LK/out/vmlinuz"
KMODS=$KTREE/lib/modules/$RELEASE/kernel
BUSYBOX=$(ls "$LK"/root/busybox-static_*/bin/busybox 2>/dev/null | sort -V | tail -n 1)
[ -n "$BUSYBOX" ] || die "no unpacked busybox under $LK/root"

mkdir -p "$DEBS"
exec 9> "$CACHE/.lock" # one run at a time per cache
flock 9
# Xen's toolstack and its libraries, then the Debian libraries below them
# (libc6 and friends; ncurses and its terminfo for xentop).
fetch_unpack xen-utils-4.17 xenstore-utils libxencall1 libxendevicemodel1 libxenevtchn1 \
    libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxenmisc4.17 libxenstore4 \
    libxentoolcore1 libxentoollog1 libyajl2
fetch_unpack libc6 libgcc-s1 libuuid1 zlib1g liblzma5 libzstd1 libncurses6 libtinfo6 ncurses-base

# ---------------------------------------------------------------- the tree
R=$CACHE/tree
rm -rf "$R"
for d in proc sys dev tmp root run/xen run/xenstored run/lock etc/xen boot \
    var/lib/xen var/lib/xenstored var/log/xen/console lib/modules/"$RELEASE" \
    "$XEN/bin" usr/bin usr/sbin; do
    mkdir -p "$R/$d"
done
chmod 1777 "$R/tmp"
chmod 0700 "$R/root"
# The initramfs stays the root file system, so /run needs no tmpfs; the
# usual links keep paths compiled into the tools (/var/run/xen, /var/lock/xl).
ln -s ../run "$R/var/run"
ln -s ../run/lock "$R/var/lock"
busybox_tree "$R" "$BUSYBOX"

# The toolstack at the paths it was built for: xl execs $XEN/bin/xenconsole
# for `xl console` and $XEN/bin/libxl-save-helper for save and restore.
# (xen-utils-common's wrappers pick the directory from the hypervisor's
# version at run time; plain links do not depend on what it reports.)
for b in xl xenconsole xenstored xenconsoled xen-init-dom0 xentop xenstore-control \
    libxl-save-helper; do
    [ -f "$T_xen_utils_4_17$XEN/bin/$b" ] || die "no $XEN/bin/$b in xen-utils-4.17"
    cp "$T_xen_utils_4_17$XEN/bin/$b" "$R$XEN/bin/"
done
for b in xl xentop xenstored xenconsoled; do ln -s "../lib/xen-4.17/bin/$b" "$R/usr/sbin/$b"; done
ln -s ../lib/xen-4.17/bin/xenstore-control "$R/usr/bin/xenstore-control"
# xenstore-read, -write, ... are one program that looks at its name.
cp "$T_xenstore_utils/usr/bin/xenstore" "$R/usr/bin/"
for b in read write ls list rm exists watch chmod; do ln -s xenstore "$R/usr/bin/xenstore-$b"; done
copy_libs "$R" "$R$XEN"/bin/* "$R/usr/bin/xenstore" libgcc_s.so.1
# Terminal descriptions for xentop (and vi, less): the consoles in use.
for t in l/linux v/vt100 v/vt102 v/vt220 x/xterm x/xterm-256color s/screen d/dumb; do
    mkdir -p "$R/lib/terminfo/${t%/*}"
    cp "$T_ncurses_base/lib/terminfo/$t" "$R/lib/terminfo/$t"
done

# Kernel modules for /dev/xen/* and /proc/xen, with whatever they depend on
# (the `depends=` field of .modinfo) first; /init loads them in this order.
ORDER=""
module_file() {
    find "$KMODS" -name "$1.ko" -o -name "$(echo "$1" | tr - _).ko" | head -n 1
}
add_module() {
    case " $ORDER " in *" $1 "*) return 0 ;; esac
    f=$(module_file "$1")
    [ -n "$f" ] || die "no module $1.ko in $(basename "$KTREE")"
    for dep in $(tr '\0' '\n' < "$f" | sed -n 's/^depends=//p' | tr , ' '); do
        add_module "$dep"
    done
    cp "$(module_file "$1")" "$R/lib/modules/$RELEASE/$1.ko"
    ORDER="$ORDER $1"
}
for m in xen-evtchn xen-privcmd xen-gntdev xen-gntalloc xenfs; do add_module "$m"; done
echo $ORDER | tr ' ' '\n' > "$R/lib/modules/$RELEASE/load-order"

# The demo domU: the same kernel as a PVH guest with linux-kit's interactive
# initramfs (a `domU # ` shell). libxenguest takes the bzImage and finds the
# PVH entry note in the ELF inside, so the image need not carry the 60 MB
# vmlinux as well.
cp "$LK/out/vmlinuz" "$R/boot/vmlinuz"
cp "$LK/out/initrd-interactive.cpio.gz" "$R/boot/initrd-domu.cpio.gz"
cat > "$R/etc/xen/demo.cfg" <<'EOF'
# A PVH domU with a busybox shell on its console: xl create /etc/xen/demo.cfg,
# then xl console demo (Ctrl-] leaves it).
name = "demo"
type = "pvh"
kernel = "/boot/vmlinuz"
ramdisk = "/boot/initrd-domu.cpio.gz"
extra = "console=hvc0"
memory = 128
vcpus = 1
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "destroy"
EOF
cat > "$R/etc/xen/xl.conf" <<'EOF'
# xl's global settings, see xl.conf(5).
# Lamina cannot balloon dom0 yet: never take memory from dom0 for a new domain.
autoballoon = "off"
EOF
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\n' > "$R/etc/group"
echo dom0 > "$R/etc/hostname"
cp "$ROOT/dom0/init" "$R/init"
chmod 0755 "$R/init"

pack_initramfs "$R" "$CACHE/initrd-dom0.cpio.gz"

# ---------------------------------------------------------------- outputs
mkdir -p "$OUT"
echo "$RELEASE" > "$CACHE/kernel-version.txt"
put "$LK/out/vmlinux" "$OUT"
put "$LK/out/vmlinuz" "$OUT"
put "$CACHE/initrd-dom0.cpio.gz" "$OUT"
put "$CACHE/kernel-version.txt" "$OUT"
say "kernel $RELEASE, $(basename "$T_xen_utils_4_17"), modules:$ORDER"
say "initrd-dom0.cpio.gz: $(wc -c < "$CACHE/initrd-dom0.cpio.gz" | tr -d ' ') bytes; image ready in $(cd "$OUT" && pwd)"
