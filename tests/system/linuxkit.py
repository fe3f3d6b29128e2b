# SPDX-License-Identifier: MIT
"""The Linux guest kit for the system tests: Debian 12's own kernel as a PVH
vmlinux plus busybox initramfs images, made by scripts/linux-kit.sh.

It exists so tests that boot stock Linux as a domU share one way to get those
files: the script runs once per test session (it downloads and decompresses
the first time, then works from build/linux-kit/), and the markers the
initramfs prints are defined here, next to the code that builds it.

    kit = ensure_linux_kit()
    modules = [kit["vmlinux"], kit["initrd_test"], cfg]   # cmdline "console=hvc0"

A kit that cannot be made fails the test with the script's message: CI can
reach the Debian archive, so a missing kit is an error, not a skip.
"""
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "linux-kit.sh")
KIT_DIR = os.path.join(ROOT, "build", "linux-kit", "out")

# What scripts/initramfs/init-test prints, in this order, then it powers off.
INIT_MARKER = "LAMINA-DOMU-INIT"
KERNEL_LINE = re.compile(r"kernel: (\S+)")      # uname -r
CPUS_LINE = re.compile(r"cpus: (\d+)")          # online CPUs
STEAL_LINE = re.compile(r"steal: (\d+)")        # steal column of /proc/stat's cpu line
DONE_MARKER = "LAMINA-DOMU-DONE"
# What scripts/initramfs/init-interactive prints before its shell.
SHELL_MARKER = "LAMINA-DOMU-SHELL"
PROMPT = "domU # "
CMDLINE = "console=hvc0"

_kit = None


def run_kit_script(script, outdir, timeout):
    """Run a kit-making script (it caches under build/); fail the test with its output."""
    name = os.path.relpath(script, ROOT)
    try:
        r = subprocess.run([script, outdir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail("%s took more than %d s:\n%s" % (name, timeout, e.output or ""),
                    pytrace=False)
    if r.returncode != 0:
        pytest.fail("%s failed (exit %d):\n%s" % (name, r.returncode, r.stdout), pytrace=False)


def ensure_linux_kit(timeout=1200):
    """Make the kit (once per session) and return its paths:
    vmlinux, vmlinuz, initrd_test, initrd_interactive, kernel_version_file,
    plus kernel_version (the `uname -r` string) and dir."""
    global _kit
    if _kit is None:
        run_kit_script(SCRIPT, KIT_DIR, timeout)
        path = lambda name: os.path.join(KIT_DIR, name)
        with open(path("kernel-version.txt")) as f:
            version = f.read().strip()
        _kit = {
            "dir": KIT_DIR,
            "vmlinux": path("vmlinux"),
            "vmlinuz": path("vmlinuz"),
            "initrd_test": path("initrd-test.cpio.gz"),
            "initrd_interactive": path("initrd-interactive.cpio.gz"),
            "kernel_version_file": path("kernel-version.txt"),
            "kernel_version": version,
        }
    return dict(_kit)


def parse_test_output(text):
    """The values init-test printed in `text` (a console log): a dict with
    kernel (str), cpus and steal (int); a value it did not print is None."""
    start = text.find(INIT_MARKER)
    text = text[start:] if start >= 0 else ""
    out = {}
    for key, rx, conv in (("kernel", KERNEL_LINE, str), ("cpus", CPUS_LINE, int),
                          ("steal", STEAL_LINE, int)):
        m = rx.search(text)
        out[key] = conv(m.group(1)) if m else None
    return out
