#!/bin/sh
# SPDX-License-Identifier: MIT
# Build a GRUB rescue ISO that boots Lamina through multiboot2, under BIOS
# (El Torito) and UEFI alike.
#   mkiso.sh <lamina.elf> <out.iso> [lamina options] [-- module [module ...]]
# Each module file is added under /boot and passed with its own name as the
# first word of its command line, as Lamina expects.
set -eu
elf=$1; iso=$2; shift 2
opts="console=com1 com1=115200,8n1"
while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts="$opts $1"; shift; done
[ $# -gt 0 ] && shift

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$elf" "$dir/boot/lamina.elf"
mods=""
for m in "$@"; do
    name=$(basename "$m")
    cp "$m" "$dir/boot/$name"
    mods="$mods
    module2 /boot/$name $name"
done
cat > "$dir/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "Lamina" {
    multiboot2 /boot/lamina.elf $opts$mods
    boot
}
CFG
grub-mkrescue -o "$iso" "$dir" >/dev/null 2>&1 || {
    echo "mkiso: grub-mkrescue failed; are grub-pc-bin, grub-efi-amd64-bin, xorriso and mtools installed?" >&2
    exit 1
}
echo "  ISO     $iso"
