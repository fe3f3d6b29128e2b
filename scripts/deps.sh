#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian 12 packages Lamina's build, tests and tools need.
#   deps.sh check    install what is missing when root, else print the apt-get line
#   deps.sh install  install all of them (root)
PKGS="build-essential binutils python3 python3-pytest python3-pexpect libcmocka-dev
qemu-system-x86 grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf
xz-utils cpio
clang-format cppcheck"

missing() {
    for p in $PKGS; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}

install() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q --no-install-recommends "$@"
}

case "${1:-check}" in
install)
    install $PKGS ;;
check)
    m=$(missing | tr '\n' ' ')
    [ -z "$m" ] && exit 0
    if [ "$(id -u)" = 0 ]; then
        echo "deps: installing $m"
        install $m
    else
        echo "deps: missing packages. Install them with:" >&2
        echo "  sudo apt-get install -y $m" >&2
        exit 1
    fi ;;
*)
    echo "usage: $0 check|install" >&2; exit 2 ;;
esac
