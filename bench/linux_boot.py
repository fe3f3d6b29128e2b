#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot Debian's kernel and the test initramfs as a PVH domU under Lamina and
under Xen 4.17 (PV dom0 running xl) on the same QEMU, and print for both:
machine start -> first guest instruction, domain start -> /init marker, VM
exits up to the /init marker, and the ratios Lamina/Xen.

Times are medians of --runs runs, in seconds of wall time from QEMU's start,
on a shared machine: read them as rough figures. VM exits are counted by QEMU
itself (-d in_asm with an address filter that keeps only its vmexit lines) in
one extra run per hypervisor, so both are counted the same way.

usage: bench/linux_boot.py [--runs N] [--no-xen]
"""
import argparse
import collections
import os
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
LK = os.path.join(BUILD, "linux-kit", "out")
XK = os.path.join(BUILD, "xen-kit", "out")
QEMU = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-smp", "2", "-m", "2048",
        "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot"]
INIT = re.compile(r"LAMINA-DOMU-INIT")

# name, exit code: the ones a Linux boot takes (AMD APM vol. 2, appendix C).
EXIT_NAMES = {0x60: "intr", 0x61: "nmi", 0x64: "vintr", 0x72: "cpuid", 0x78: "hlt",
              0x7b: "ioio", 0x7c: "msr", 0x81: "vmmcall", 0x400: "npf", 0x7f: "shutdown",
              0x46: "#UD", 0x4e: "#PF", 0x41: "#DB", 0x65: "cr0-sel", 0x77: "pause",
              0x6f: "iret", 0x80: "vmrun", 0x8d: "xsetbv", 0x87: "rdtscp", 0x6e: "rdtsc"}


def lamina_cmd(tmp):
    cfg = os.path.join(tmp, "bench.cfg")
    with open(cfg, "w") as f:
        f.write('name = "bench"\nkernel = "vmlinux"\nramdisk = "initrd-test.cpio.gz"\n'
                'cmdline = "console=hvc0"\nmemory = 256\nvcpus = 1\n')
    mods = [os.path.join(LK, "vmlinux"), os.path.join(LK, "initrd-test.cpio.gz"), cfg]
    return QEMU + ["-kernel", os.path.join(BUILD, "lamina32.elf"),
                   "-append", "console=com1 com1=115200,8n1 on_last_domain_exit=poweroff",
                   "-initrd", ",".join(mods)]


def xen_cmd(tmp):
    # smap=0: QEMU's TCG faults a PV dom0's ring-3 IRET under SMAP;
    # cpuid=no-rdtscp: without NRIPS Xen cannot decode an RDTSCP exit.
    xen = ("console=com1 com1=115200,8n1 dom0_mem=512M loglvl=all guest_loglvl=all "
           "smap=0 cpuid=no-rdtscp")
    mods = "%s console=hvc0 earlyprintk=xen,%s" % (os.path.join(XK, "vmlinuz"),
                                                    os.path.join(XK, "initrd-dom0.cpio.gz"))
    return QEMU + ["-kernel", os.path.join(XK, "xen.elf"), "-append", xen, "-initrd", mods]


# Per hypervisor: the line that marks "the domain starts" (its first
# instruction follows within milliseconds).
LAMINA = {"name": "Lamina", "cmd": lamina_cmd, "start": re.compile(r"boot: done in")}
XEN = {"name": "Xen 4.17", "cmd": xen_cmd, "start": re.compile(r"XEN-BENCH-UNPAUSE")}


def run(hv, count_exits=False, timeout=400):
    """One boot: {'start': s, 'init': s} from QEMU's start, plus exits to /init."""
    tmp = tempfile.mkdtemp(prefix="lamina-bench-")
    cmd = hv["cmd"](tmp)
    qlog = os.path.join(tmp, "qemu.log")
    if count_exits:
        # in_asm also prints every translated block; an address filter that
        # matches no code keeps only the vmrun/vmexit lines.
        cmd += ["-d", "in_asm", "-dfilter", "0x0+0x1", "-D", qlog]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    marks, buf, exits_at_init, tail = {}, b"", None, collections.deque(maxlen=30)
    # Since the domain started: console text with line breaks and escape
    # sequences taken out, so a marker that a console relay split or
    # interleaved with other output is still found.
    flat = ""
    try:
        while time.monotonic() - t0 < timeout:
            r, _, _ = select.select([p.stdout], [], [], 0.5)
            if not r:
                continue
            data = os.read(p.stdout.fileno(), 65536)
            if not data:
                break
            buf += data
            t = time.monotonic() - t0
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                s = line.decode("utf-8", "replace").rstrip("\r")
                tail.append(s)
                if "start" not in marks and hv["start"].search(s):
                    marks["start"] = t
                elif "start" in marks:
                    flat = (flat + re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", s))[-4096:]
            if "start" in marks and INIT.search(flat + re.sub(r"[\r\n]", "",
                                                              buf.decode("utf-8", "replace"))):
                marks["init"] = t
                if count_exits:
                    exits_at_init = count_vmexits(qlog)
                break  # /init reached: the rest of the boot is not measured
    finally:
        p.kill()
        p.wait()
    if "init" not in marks:
        print("%s: no /init marker within %d s; this run is left out. Last console lines:\n  %s"
              % (hv["name"], timeout, "\n  ".join(tail)), flush=True)
        return None
    if count_exits:
        marks["exits_boot"] = exits_at_init
    return marks


def count_vmexits(path):
    """Exits by code from QEMU's log: lines 'vmexit(code, info1, info2, rip)!'."""
    hist = collections.Counter()
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("vmexit("):
                    hist[int(line[7:15], 16)] += 1
    except FileNotFoundError:
        pass
    return hist


def fmt_hist(h, n=8):
    return ", ".join("%s %d" % (EXIT_NAMES.get(c, "%#x" % c), k) for c, k in h.most_common(n))


def measure(hv, runs):
    """Medians over the runs that reached /init; None if none did. One bad run
    (a lost marker, a crashed emulator) costs that run, not the others."""
    print("%s: 1 counting run + %d timed runs ..." % (hv["name"], runs), flush=True)
    counted = run(hv, count_exits=True) or {"exits_boot": collections.Counter()}
    timed = [m for m in (run(hv) for _ in range(runs)) if m]
    if not timed:
        return None
    med = lambda k: statistics.median(m[k] for m in timed)
    return {"first": med("start"), "init": statistics.median(m["init"] - m["start"] for m in timed),
            "all_init": [m["init"] - m["start"] for m in timed],
            "exits": sum(counted["exits_boot"].values()), "hist": counted["exits_boot"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="timed runs per hypervisor (default 3)")
    ap.add_argument("--no-xen", action="store_true", help="measure Lamina only")
    a = ap.parse_args()
    res = [(LAMINA, measure(LAMINA, a.runs))]
    if not a.no_xen:
        res.append((XEN, measure(XEN, a.runs)))
    for hv, r in res:
        if r is None:
            print("%s: no run reached /init: no figures" % hv["name"])
    res = [(hv, r) for hv, r in res if r is not None]
    if not res:
        return
    print("\nLinux %s as a PVH domU (256 MiB, 1 vCPU), QEMU TCG -smp 2 -m 2048, median of %d:"
          % (open(os.path.join(LK, "kernel-version.txt")).read().strip(), a.runs))
    print("  %-10s %22s %22s %14s" % ("", "machine start->domain", "domain start->/init",
                                      "VM exits to /init"))
    for hv, r in res:
        print("  %-10s %20.2f s %20.2f s %14d" % (hv["name"], r["first"], r["init"], r["exits"]))
    if len(res) == 2:
        l, x = res[0][1], res[1][1]  # Lamina, Xen
        print("  %-10s %21.2fx %21.2fx %13.2fx   (target for domain start->/init: <= 0.6x)"
              % ("ratio", l["first"] / x["first"], l["init"] / x["init"],
                 l["exits"] / max(x["exits"], 1)))
    for hv, r in res:
        print("  %s runs (domain start->/init): %s" % (hv["name"], ", ".join("%.2f" % t for t in r["all_init"])))
        print("  %s exits: %s" % (hv["name"], fmt_hist(r["hist"])))
    print("  (Xen's machine start->domain includes its dom0 boot and `xl create`; Lamina builds"
          " the domain during its own boot.)")


if __name__ == "__main__":
    main()
