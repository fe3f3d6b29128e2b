#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Wake-to-run latency on one pCPU, with and without latency_sensitive.

A sleeper guest (guests/spin wake=<us>) sets a single-shot timer every
--period us and measures, by the pvclock, how late its event handler runs.
It runs three ways on a 1-pCPU QEMU (TCG): alone (the floor: timer, kick,
VM entry and event injection under emulation), next to a CPU-bound guest
(it must wait out the running vCPU's ratelimit, 1000 us by default), and
next to the same guest with latency_sensitive = 1 (it preempts at once).
Figures, not pass/fail: the machine is shared and noisy.

usage: bench/wake_latency.py [--period US] [--seconds S]
"""
import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "system"))
from lamina import Lamina, guest_config, guest_elf  # noqa: E402

WAKES = re.compile(r"spin: wakes n=(\d+) mean=(\d+) p99=(\d+) max=(\d+)")


def measure(period, seconds, hog, sensitive):
    tmp = Path(tempfile.mkdtemp())
    mods = [guest_elf("spin")]
    if hog:
        mods.append(guest_config(tmp, "hog", "spin.elf", memory=16,
                                 extra='cmdline = "seconds=%d"\n' % (seconds + 2)))
    mods.append(guest_config(tmp, "sleeper", "spin.elf", memory=16,
                             extra='cmdline = "seconds=%d wake=%d"\nlatency_sensitive = %d\n'
                             % (seconds, period, sensitive)))
    with Lamina(smp=1, ram=128, args="on_last_domain_exit=poweroff", modules=mods,
                timeout=120 + 4 * seconds) as m:
        log = m.wait_poweroff()
    m = WAKES.search(log)
    if not m:
        sys.exit("wake_latency: no result from the sleeper:\n" + log[-2000:])
    return [int(x) for x in m.groups()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--period", type=int, default=300, help="timer period in us (default 300)")
    ap.add_argument("--seconds", type=int, default=4, help="how long the sleeper runs (default 4)")
    a = ap.parse_args()
    print("wake-to-run latency, timer every %d us, 1 pCPU (TCG), ratelimit 1000 us:" % a.period)
    print("  %-40s %7s %9s %8s %8s" % ("", "wakes", "mean us", "p99 us", "max us"))
    for name, hog, sens in (("alone", False, 0), ("next to a CPU-bound guest", True, 0),
                            ("... with latency_sensitive = 1", True, 1)):
        n, mean, p99, mx = measure(a.period, a.seconds, hog, sens)
        print("  %-40s %7d %9d %8d %8d" % (name, n, mean, p99, mx))


if __name__ == "__main__":
    main()
