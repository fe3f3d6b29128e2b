#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write an ELF32 copy of the 64-bit hypervisor image for QEMU's multiboot1
loader (`-kernel`), which refuses ELF64. Each PT_LOAD segment is copied with
its physical address as both vaddr and paddr, and the entry point is made
physical the way multiboot loaders do it (through the segment holding it).
Usage: mkelf32.py lamina.elf lamina32.elf
"""
import struct
import sys

def main(src, dst):
    data = open(src, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        sys.exit("mkelf32: %s is not an ELF64 file" % src)
    (e_entry, e_phoff) = struct.unpack_from("<QQ", data, 24)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)
    segs = []
    entry = None
    for i in range(e_phnum):
        p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align = \
            struct.unpack_from("<IIQQQQQQ", data, e_phoff + i * e_phentsize)
        if p_type != 1:
            continue
        if (p_paddr + p_memsz) >> 32:
            sys.exit("mkelf32: segment at %#x is above 4 GiB" % p_paddr)
        segs.append((p_flags, p_paddr, p_memsz, data[p_offset:p_offset + p_filesz]))
        if p_vaddr <= e_entry < p_vaddr + p_memsz:
            entry = e_entry - p_vaddr + p_paddr  # as multiboot loaders do
    if entry is None:
        sys.exit("mkelf32: entry point %#x is in no segment" % e_entry)
    ehsize, phentsize = 52, 32
    # Segment data starts at 4 KiB: the multiboot header must sit in the first 8 KiB.
    off = 0x1000
    phdrs, body = b"", b""
    for flags, paddr, memsz, blob in segs:
        pad = (-(off + len(body)) % 0x1000)
        body += b"\0" * pad
        phdrs += struct.pack("<IIIIIIII", 1, off + len(body), paddr, paddr,
                             len(blob), memsz, flags, 0x1000)
        body += blob
    ident = b"\x7fELF\x01\x01\x01" + b"\0" * 9
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, ehsize, 0, 0,
                               ehsize, phentsize, len(segs), 40, 0, 0)
    head = ehdr + phdrs
    assert len(head) <= off
    open(dst, "wb").write(head + b"\0" * (off - len(head)) + body)

main(*sys.argv[1:])
