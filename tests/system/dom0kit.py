# SPDX-License-Identifier: MIT
"""dom0 for the system tests: Debian's kernel as Lamina's control domain with
Debian's own Xen 4.17 toolstack, made by dom0/mkimage.sh (once per session,
cached under build/dom0/), and a driver for its `dom0 # ` shell.

    with Dom0(smp=2, ram=1024) as d:
        out = d.run("xl list")          # the command's output; asserts exit 0

A kit that cannot be made fails the test with the script's message.
"""
import os
import re
import subprocess

from lamina import Lamina
from linuxkit import run_kit_script

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "dom0", "mkimage.sh")
KIT_DIR = os.path.join(ROOT, "build", "dom0", "out")
READY = "LAMINA-DOM0-READY"  # dom0/init prints it before the shell
PROMPT = "dom0 # "
CMDLINE = "console=hvc0"

_kit = None

# A known bug, not yet understood (see the xfail test_two_linux_domains_on_two_pcpus
# and the session notes): with two Linux vCPUs running on two pCPUs, a vCPU
# occasionally exits with Lamina's own state in its VMCB (CS 0x8, Lamina's CR3,
# RIP in Lamina's image), and its domain crashes at the next nested page walk.
# dom0 runs two vCPUs all the time, so its tests meet it now and then; a test
# that failed that way, and only that way, is run once more.
HOST_STATE_BUG = re.compile(r"cs 0x8 cr0 0x8\w+ cr3 0x\w+ efer 0x1d00 rsp 0xffffffff80[^\n]*\n"
                            r"(?:[^\n]*\n){0,3}?[^\n]*crashed: page walk through a hole")


def retry_on_host_state_bug(test):
    """Run a dom0 test again (once) if it failed because of HOST_STATE_BUG."""
    import functools

    @functools.wraps(test)
    def run(*args, **kwargs):
        try:
            return test(*args, **kwargs)
        except AssertionError as e:
            if not HOST_STATE_BUG.search(str(e)):
                raise
            print("known bug (a VMCB held Lamina's state) struck: running the test again")
            return test(*args, **kwargs)
    return run


def ensure_dom0_kit(timeout=1800):
    """Make the image (once per session); return its paths: vmlinux, initrd."""
    global _kit
    if _kit is None:
        run_kit_script(SCRIPT, KIT_DIR, timeout)
        _kit = {"vmlinux": os.path.join(KIT_DIR, "vmlinux"),
                "initrd": os.path.join(KIT_DIR, "initrd-dom0.cpio.gz")}
    return dict(_kit)


def initrd_with(tmp_path, files):
    """dom0's initrd plus `files` ({path in dom0: host file path or text}):
    a second gzipped cpio appended to the first, which Linux unpacks on top."""
    import gzip
    import shutil
    root = tmp_path / "dom0-extra"
    for dest, src in files.items():
        path = root / dest.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        if os.path.exists(str(src)):
            shutil.copyfile(str(src), str(path))
        else:
            path.write_text(src)
    names = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    cpio = subprocess.run(["cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"], cwd=str(root),
                          input="\n".join(names).encode(), stdout=subprocess.PIPE, check=True)
    out = tmp_path / "initrd-dom0-plus.cpio.gz"
    with open(out, "wb") as f:
        with open(ensure_dom0_kit()["initrd"], "rb") as base:
            shutil.copyfileobj(base, f)
        f.write(gzip.compress(cpio.stdout))
    return str(out)


class Dom0(Lamina):
    """Lamina booting dom0 (plus any extra boot modules); run() drives its shell."""

    # dom0 crashed or Lamina panicked: nothing the test waits for can come.
    FATAL = r"d0 \([^)]*\): crashed: [^\r\n]*|panic on CPU \d+: [^\r\n]*"

    def __init__(self, smp=2, ram=1024, args="", extra_modules=(), cmdline=CMDLINE,
                 timeout=300, initrd=None, **kw):
        kit = ensure_dom0_kit()
        modules = [kit["vmlinux"] + " " + cmdline, initrd or kit["initrd"]] + list(extra_modules)
        super().__init__(smp=smp, ram=ram, args=args, modules=modules, timeout=timeout, **kw)
        self._seq = 0

    def boot_to_shell(self, timeout=None):
        """Wait for dom0's shell; return the serial log so far."""
        self.expect(READY, timeout=timeout)
        self.expect(re.escape(PROMPT), timeout=timeout)
        return self.log

    def run_rc(self, cmd, timeout=None):
        """Run one shell command in dom0; return (exit status, its output)."""
        self._seq += 1
        tag = "__LAMINA_RC_%d" % self._seq
        self.child.sendline("%s; echo %s=$?" % (cmd, tag))
        # The echo of the typed line holds the tag too, but followed by "=$?".
        m = self.expect(r"%s=(\d+)\r*\n" % tag, timeout=timeout)
        text = self.log[:self.log.rfind(tag + "=" + m.group(1))]
        self.expect(re.escape(PROMPT), timeout=timeout)
        echo = text.rfind("=$?")
        out = text[echo + 3:] if echo >= 0 else text
        return int(m.group(1)), re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out).lstrip("\n")

    def run(self, cmd, timeout=None):
        """Run a command that must succeed; return its output."""
        rc, out = self.run_rc(cmd, timeout)
        assert rc == 0, "%r exited %d:\n%s\n--- serial ---\n%s" % (cmd, rc, out,
                                                                    self.log[-3000:])
        return out
