#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The same dom0 image (dom0/mkimage.sh: Debian's kernel as a PVH dom0 with
Debian's Xen 4.17 toolstack) under Lamina and under Xen 4.17 on the same
QEMU, and for each: machine start -> `dom0 # ` prompt, the `xl create` of
/etc/xen/demo.cfg (Debian's kernel, 128 MiB PVH domU), and `xl create` ->
the domU's /init (its LAMINA-DOMU-SHELL line, seen through `xl console`).
Ratios Lamina/Xen. Figures, never pass/fail: a run that fails prints why and
is left out; the others still count.

usage: bench/dom0_boot.py [--runs N] [--no-xen]
"""
import argparse
import os
import re
import statistics
import sys
import time

import pexpect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
D0 = os.path.join(BUILD, "dom0", "out")
XK = os.path.join(BUILD, "xen-kit", "out")
QEMU = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-smp", "2", "-m", "1024",
        "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot"]
PROMPT = "dom0 # "


def lamina_cmd():
    return QEMU + ["-kernel", os.path.join(BUILD, "lamina32.elf"),
                   "-append", "console=com1 com1=115200,8n1 dom0_mem=512M",
                   "-initrd", "%s/vmlinux console=hvc0,%s/initrd-dom0.cpio.gz" % (D0, D0)]


def xen_cmd():
    # A PVH dom0 on Xen wants an IOMMU: QEMU's q35 with its Intel IOMMU.
    # smap=0 and cpuid=no-rdtscp: what Xen needs on QEMU TCG (bench/linux_boot.py).
    args = ("console=com1 com1=115200,8n1 dom0_mem=512M dom0=pvh smap=0 cpuid=no-rdtscp")
    q = list(QEMU)
    q[q.index("-display"):q.index("-display")] = ["-machine", "q35", "-device",
                                                  "intel-iommu,intremap=on"]
    return q + ["-kernel", os.path.join(XK, "xen.elf"), "-append", args,
                "-initrd", "%s/vmlinuz console=hvc0,%s/initrd-dom0.cpio.gz" % (D0, D0)]


HVS = [("Lamina", lamina_cmd), ("Xen 4.17", xen_cmd)]


def one_run(name, cmd):
    """{'boot', 'create', 'init'} in seconds, or None (after saying why)."""
    t0 = time.monotonic()
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                          timeout=900)
    marks = {}
    try:
        child.expect("LAMINA-DOM0-READY", timeout=900)
        child.expect(PROMPT, timeout=120)
        marks["boot"] = time.monotonic() - t0
        t1 = time.monotonic()
        child.sendline("xl create /etc/xen/demo.cfg; echo CREATE-RC=$?")
        child.expect(r"CREATE-RC=(\d+)", timeout=900)
        if child.match.group(1) != "0":
            raise RuntimeError("xl create failed")
        marks["create"] = time.monotonic() - t1
        child.sendline("xl console demo")
        child.expect("LAMINA-DOMU-SHELL", timeout=900)
        marks["init"] = time.monotonic() - t1
        return marks
    except (pexpect.TIMEOUT, pexpect.EOF, RuntimeError) as e:
        tail = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", (child.before or ""))[-1500:]
        print("%s: run failed (%s) after %s; left out. Console:\n%s"
              % (name, type(e).__name__, marks or "nothing", tail), flush=True)
        return None
    finally:
        child.close(force=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1, help="runs per hypervisor (default 1)")
    ap.add_argument("--no-xen", action="store_true", help="measure Lamina only")
    a = ap.parse_args()
    res = {}
    for name, cmd in HVS[:1 if a.no_xen else 2]:
        print("%s: %d run(s) ..." % (name, a.runs), flush=True)
        runs = [r for r in (one_run(name, cmd()) for _ in range(a.runs)) if r]
        if runs:
            res[name] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        else:
            print("%s: no run finished: no figures" % name)
    print("\ndom0 (Debian's kernel + xl, 512 MiB, 2 vCPUs), QEMU TCG -smp 2 -m 1024, median:")
    print("  %-10s %16s %16s %20s" % ("", "start->dom0 #", "xl create", "xl create->domU /init"))
    for name, r in res.items():
        print("  %-10s %14.1f s %14.1f s %18.1f s" % (name, r["boot"], r["create"], r["init"]))
    if len(res) == 2:
        l, x = res["Lamina"], res["Xen 4.17"]
        print("  %-10s %15.2fx %15.2fx %19.2fx   (goal for xl create->/init: <= 0.3x)"
              % ("ratio", l["boot"] / x["boot"], l["create"] / x["create"],
                 l["init"] / x["init"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
