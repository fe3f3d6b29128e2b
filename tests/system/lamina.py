# SPDX-License-Identifier: MIT
"""Boot Lamina in QEMU (TCG) and read its serial console with pexpect.

Every run is bounded by a timeout and killed at the end of the test, so a hung
boot fails one test instead of the suite.
"""
import os
import re
import shlex

import pexpect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
OVMF = "/usr/share/ovmf/OVMF.fd"
BANNER = re.compile(r"Lamina \d+\.\d+\.\d+")
GUESTS = os.path.join(BUILD, "guests")


def guest_config(tmp_path, name, kernel, memory=32, extra="", filename=None):
    """Write an xl.cfg-style boot module describing one domain; return its path."""
    path = tmp_path / (filename or (name + ".cfg"))
    path.write_text('name = "%s"\ntype = "pvh"\nkernel = "%s"\nmemory = %d\n%s'
                    % (name, kernel, memory, extra))
    return str(path)


def guest_elf(name):
    return os.path.join(GUESTS, name + ".elf")


class Lamina:
    """One QEMU machine running Lamina; `log` holds everything read so far."""

    def __init__(self, smp=1, ram=128, args="", modules=(), qemu_extra=(), iso=None,
                 bios=None, timeout=60):
        # LAMINA_QEMU_ACCEL=tcg,thread=single: one host thread for all vCPUs
        # (tells emulator races from ours when chasing a flaky test).
        accel = os.environ.get("LAMINA_QEMU_ACCEL", "tcg")
        cmd = ["qemu-system-x86_64", "-accel", accel, "-cpu", "max", "-smp", str(smp),
               "-m", str(ram), "-display", "none", "-monitor", "none", "-serial", "stdio",
               "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        if bios:
            cmd += ["-bios", bios]
        if iso:
            cmd += ["-cdrom", iso]
        else:
            cmd += ["-kernel", os.path.join(BUILD, "lamina32.elf"),
                    "-append", ("console=com1 com1=115200,8n1 " + args).strip()]
            if modules:
                cmd += ["-initrd", ",".join(modules)]
        cmd += list(qemu_extra)
        self.cmd = cmd
        self.timeout = timeout
        self.log = ""
        self.child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                                   timeout=timeout)

    # A line after which waiting on is pointless (set by subclasses, e.g. dom0's
    # crash): expect() fails at once instead of at its timeout.
    FATAL = None

    def expect(self, pattern, timeout=None):
        """Wait for a regex; return its match. Fails with the log so far."""
        patterns = [pattern] + ([self.FATAL] if self.FATAL else [])
        try:
            which = self.child.expect(patterns, timeout=timeout or self.timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            self.log += (self.child.before or "").replace("\r", "")
            raise AssertionError("did not see %r (%s) running:\n%s\n--- serial ---\n%s" % (
                pattern, type(e).__name__, shlex.join(self.cmd), self.log[-4000:])) from None
        # The serial line ends lines with CR LF and the pty adds another CR.
        self.log += ((self.child.before or "") + self.child.after).replace("\r", "")
        if which:
            fatal = self.child.match.group(0)
            try:  # the few lines printed after it (the vCPU dump) belong in the report
                self.child.expect(pexpect.TIMEOUT, timeout=2)
            except pexpect.EOF:
                pass
            self.log += (self.child.before or "").replace("\r", "")
            raise AssertionError("saw %r while waiting for %r, running:\n%s\n--- serial ---\n%s"
                                 % (fatal, pattern, shlex.join(self.cmd),
                                    self.log[-4000:]))
        return self.child.match

    def wait_poweroff(self, timeout=None):
        """Wait for QEMU to exit (on_last_domain_exit=poweroff); return the log."""
        try:
            self.child.expect(pexpect.EOF, timeout=timeout or self.timeout)
        except pexpect.TIMEOUT:
            self.log += (self.child.before or "").replace("\r", "")
            raise AssertionError("machine did not power off:\n" + self.log[-4000:]) from None
        self.log += (self.child.before or "").replace("\r", "")
        return self.log

    def boot(self):
        """Wait for the end of boot; return the whole serial log."""
        self.expect(r"boot: done in \d+ ms[^\r\n]*")
        return self.log

    def close(self):
        self.child.close(force=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def lamina_lines(log):
    """The serial log from Lamina's banner on, as clean lines."""
    m = BANNER.search(log)
    assert m, "no banner in:\n" + log[-2000:]
    text = log[m.start():]
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    return [l.rstrip("\r") for l in text.split("\n")]
