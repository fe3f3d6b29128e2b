#!/bin/sh
# SPDX-License-Identifier: MIT
# The Linux guest kit: Debian 12's own kernel, unmodified, as an ELF vmlinux
# (what Lamina's PVH loader takes) plus two busybox initramfs images, so the
# system tests and `make run` can boot stock Linux as a domU.
#
#   scripts/linux-kit.sh [--interactive | --qemu-check] OUTDIR
#
# OUTDIR gets vmlinux (ELF64 with the Xen PVH entry note), vmlinuz (Debian's
# bzImage it came from), initrd-test.cpio.gz, initrd-interactive.cpio.gz and
# kernel-version.txt (the `uname -r` of the kernel). Packages are fetched with
# `apt-get download` (the kernel through the linux-image-amd64 meta package)
# and everything is cached under build/linux-kit/, so a second run is quick
# and works offline; files in OUTDIR are only rewritten when they change.
#
#   --interactive  then boot Lamina (`make run`) with the kernel and the
#                  interactive initramfs: a shell on the domain's console.
#                  Lamina boots with conswitch=b (QEMU keeps Ctrl-A): press
#                  Ctrl-B three times to move the input to the domain; `exit`
#                  in the shell runs `poweroff -f` (on_last_domain_exit=poweroff).
#                  MEMORY, VCPUS, SMP and ARGS from the environment apply.
#   --qemu-check   then boot the kernel and the test initramfs on plain QEMU
#                  (its own PVH loader, serial console, no Lamina) and check
#                  that /init ran: proves the kit good independently of Lamina.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${LINUX_KIT_CACHE:-$ROOT/build/linux-kit}
DEBS=$CACHE/debs
SRC=$ROOT/scripts/initramfs

KIT=linux-kit
. "$ROOT/scripts/debfetch.sh" # say, die, fetch, unpack

usage() { echo "usage: $0 [--interactive | --qemu-check] OUTDIR" >&2; exit 2; }
MODE=build
case "${1:-}" in
--interactive) MODE=interactive; shift ;;
--qemu-check) MODE=qemu-check; shift ;;
-*) usage ;;
esac
[ $# = 1 ] || usage
OUT=$1

for t in apt-cache apt-get dpkg-deb xz cpio gzip readelf od awk flock; do
    command -v "$t" >/dev/null 2>&1 ||
        die "'$t' not found; scripts/deps.sh check installs what is missing (xz-utils, cpio, binutils)"
done

# ---------------------------------------------------------------- fetching
mkdir -p "$DEBS"
# One run at a time per cache (two test sessions, or a test and `make run`).
exec 9> "$CACHE/.lock"
flock 9
kpkg=$(kernel_package)
[ -n "$kpkg" ] || { apt_update && kpkg=$(kernel_package); } || true
if [ -n "$kpkg" ]; then
    fetch "$kpkg" 'linux-image-[0-9]*-amd64_*.deb'
else
    DEB=$(newest_cached 'linux-image-[0-9]*-amd64_*.deb')
    [ -n "$DEB" ] || die "apt cannot resolve linux-image-amd64 (no package lists?) and no kernel
  is cached in $DEBS. Run this script as root (it runs 'apt-get update'),
  or as root: apt-get update, then run it again."
    say "warning: apt cannot resolve linux-image-amd64; using the cached $(basename "$DEB")"
fi
KDEB=$DEB
fetch busybox-static 'busybox-static_*.deb'
BBDEB=$DEB

unpack "$KDEB"
set -- "$TREE"/boot/vmlinuz-*
[ $# = 1 ] && [ -f "$1" ] || die "expected one boot/vmlinuz-* in $(basename "$KDEB"), found: $*"
VMLINUZ=$1
RELEASE=${VMLINUZ##*/vmlinuz-}
unpack "$BBDEB"
BUSYBOX=$TREE/bin/busybox
[ -x "$BUSYBOX" ] || die "no bin/busybox in $(basename "$BBDEB")"

# ---------------------------------------------------------------- vmlinux
# u8/u32 FILE OFFSET: little-endian integers from FILE.
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' \n'; }
u32() { od -An -tu4 --endian=little -j "$2" -N4 "$1" | tr -d ' \n'; }
# hexbytes FILE OFFSET COUNT: "fd 37 7a ..."
hexbytes() { od -An -tx1 -j "$2" -N"$3" "$1" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'; }

# bzImage -> vmlinux. The setup header (Documentation/x86/boot.rst) says
# where the compressed kernel is: payload_offset/payload_length are relative
# to the protected-mode part, which follows the (setup_sects + 1) sectors of
# real-mode code. Debian compresses with XZ; its output is the ELF vmlinux.
extract_vmlinux() {
    z=$1 out=$2
    [ "$(hexbytes "$z" 514 4)" = "48 64 72 53" ] || die "$z: no bzImage setup header (HdrS)"
    setup_sects=$(u8 "$z" $((0x1f1)))
    [ "$setup_sects" = 0 ] && setup_sects=4
    payload=$(( (setup_sects + 1) * 512 + $(u32 "$z" $((0x248))) ))
    length=$(u32 "$z" $((0x24c)))
    magic=$(hexbytes "$z" "$payload" 6)
    [ "$magic" = "fd 37 7a 58 5a 00" ] ||
        die "$z: payload at $payload is not XZ (starts '$magic'); only XZ kernels are handled"
    say "vmlinuz: setup_sects $setup_sects, XZ payload of $length bytes at $payload"
    # The payload ends with the 4-byte uncompressed size: --single-stream ignores it.
    tail -c +$((payload + 1)) "$z" | head -c "$length" | xz -dc --single-stream > "$out.tmp" ||
        die "$z: XZ payload does not decompress"
    want=$(tail -c +$((payload + 1)) "$z" | head -c "$length" | tail -c 4 | od -An -tu4 --endian=little | tr -d ' \n')
    got=$(wc -c < "$out.tmp" | tr -d ' ')
    [ "$got" = "$want" ] || die "$z: decompressed $got bytes, the payload says $want"
    mv "$out.tmp" "$out"
}

# Fail unless FILE is an ELF64 x86-64 image with the Xen PVH entry note
# (owner "Xen", XEN_ELFNOTE_PHYS32_ENTRY = 18); print the entry point.
check_vmlinux() {
    f=$1
    readelf -h "$f" 2>/dev/null | grep -q 'Class: *ELF64' || die "$f: not an ELF64 file"
    readelf -h "$f" | grep -q 'Machine: *Advanced Micro Devices X86-64' || die "$f: not x86-64"
    # readelf -n: "Xen  0x00000008  NT_VERSION (version)" style lines; type 18
    # is printed by name (XEN_ELFNOTE_PHYS32_ENTRY) or as "Unknown note type:
    # (0x00000012)", followed by its value or its description bytes.
    entry=$(readelf -n "$f" | awk '
        $1 == "Xen" && ($3 == "XEN_ELFNOTE_PHYS32_ENTRY" || $0 ~ /\(0x00000012\)/) { pick = 1; next }
        pick && /value:/ { print $NF; exit }
        pick && /description data:/ {         # little-endian bytes -> 0x...
            sub(/.*description data:/, ""); n = split($0, b, " "); v = ""
            for (i = n; i >= 1; i--) v = v b[i]
            sub(/^0+/, "", v); print "0x" (v == "" ? "0" : v); exit }
        pick { exit }')
    [ -n "$entry" ] || die "$f: no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); it cannot boot as PVH"
    say "vmlinux: ELF64 x86-64, PVH entry (XEN_ELFNOTE_PHYS32_ENTRY): $entry"
}

VMLINUX=$CACHE/vmlinux-$RELEASE
if [ ! -f "$VMLINUX" ]; then
    extract_vmlinux "$VMLINUZ" "$VMLINUX"
fi
check_vmlinux "$VMLINUX"

# ---------------------------------------------------------------- initramfs
# build_initramfs NAME: busybox, its applet links and scripts/initramfs/init-NAME
# as /init, packed as a gzipped newc cpio with root-owned files and mtime 0, so
# the same inputs give the same bytes.
build_initramfs() {
    tree=$CACHE/initramfs-$1
    rm -rf "$tree"
    mkdir -p "$tree"
    for d in bin sbin usr/bin usr/sbin dev proc sys tmp root etc; do mkdir -p "$tree/$d"; done
    cp "$BUSYBOX" "$tree/bin/busybox"
    # The links `busybox --install -s` would make, made here rather than at
    # boot, from the applet list of the busybox being installed.
    "$BUSYBOX" --list-full | while read -r p; do
        [ "$p" = bin/busybox ] && continue
        mkdir -p "$tree/$(dirname "$p")"
        ln -sf /bin/busybox "$tree/$p"
    done
    cp "$SRC/init-$1" "$tree/init"
    chmod 0755 "$tree/init" "$tree/bin/busybox"
    chmod 1777 "$tree/tmp"
    find "$tree" -exec touch -h -d @0 {} +
    (cd "$tree" && find . -mindepth 1 | LC_ALL=C sort |
        cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9n > "$CACHE/initrd-$1.cpio.gz"
}

build_initramfs test
build_initramfs interactive

# ---------------------------------------------------------------- outputs
# put SRC NAME: copy into OUTDIR unless identical (keeps mtimes for make).
put() {
    cmp -s "$1" "$OUT/$2" 2>/dev/null && return 0
    cp "$1" "$OUT/$2.tmp" && mv "$OUT/$2.tmp" "$OUT/$2"
}
mkdir -p "$OUT"
echo "$RELEASE" > "$CACHE/kernel-version.txt"
put "$VMLINUX" vmlinux
put "$VMLINUZ" vmlinuz
put "$CACHE/initrd-test.cpio.gz" initrd-test.cpio.gz
put "$CACHE/initrd-interactive.cpio.gz" initrd-interactive.cpio.gz
put "$CACHE/kernel-version.txt" kernel-version.txt
OUT=$(cd "$OUT" && pwd)
say "kernel $RELEASE ($(basename "$KDEB" .deb)), $(basename "$BBDEB" .deb)"
say "kit ready in $OUT"
exec 9>&-   # unlock: what follows only reads OUTDIR

case $MODE in
interactive)
    exec make -C "$ROOT" run GUEST="$OUT/vmlinux" RAMDISK="$OUT/initrd-interactive.cpio.gz" \
        CMDLINE="console=hvc0" MEMORY="${MEMORY:-256}" VCPUS="${VCPUS:-1}" \
        ARGS="conswitch=b on_last_domain_exit=poweroff ${ARGS:-}" ;;
qemu-check)
    log=$CACHE/qemu-check.log
    say "booting on plain QEMU (TCG, up to 300 s); log in $log"
    timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 512 -smp 2 -nographic -no-reboot \
        -kernel "$OUT/vmlinux" -initrd "$OUT/initrd-test.cpio.gz" \
        -append "console=ttyS0 earlyprintk=ttyS0" < /dev/null > "$log" 2>&1 || true
    grep -E '^(LAMINA-DOMU-|kernel: |cpus: |steal: )' "$log" | tr -d '\r' >&2 || true
    grep -q LAMINA-DOMU-DONE "$log" || die "the kernel did not reach the end of /init on QEMU; see $log"
    say "QEMU check passed" ;;
esac
