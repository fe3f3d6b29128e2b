# SPDX-License-Identifier: MIT
"""Debian's own Linux kernel, unmodified, as a PVH domU (issue 4, in progress).

Today: it boots to its initramfs /init on one vCPU, on the console ring
(hvc0), and /init runs to its end. Not yet: SMP (x2APIC, INIT-SIPI, guest
ACPI), and power-off (without an ACPI MADT Linux never starts the Xen timer,
so the power-off path's first sleep never ends).
"""
from lamina import Lamina, guest_config
from linuxkit import CMDLINE, DONE_MARKER, INIT_MARKER, ensure_linux_kit


def test_debian_kernel_reaches_init_on_hvc0(tmp_path):
    kit = ensure_linux_kit()
    cfg = guest_config(tmp_path, "linux", "vmlinux", memory=256,
                       extra='ramdisk = "initrd-test.cpio.gz"\ncmdline = "%s"\n' % CMDLINE)
    with Lamina(smp=2, ram=1024, modules=[kit["vmlinux"], kit["initrd_test"], cfg],
                timeout=300) as m:
        m.expect(r"\(d1\) " + INIT_MARKER)
        m.expect(r"\(d1\) kernel: (\S+)[\r]*\n")
        version = m.child.match.group(1)
        m.expect(r"\(d1\) cpus: (\d+)[\r]*\n")
        cpus = int(m.child.match.group(1))
        m.expect(r"\(d1\) steal: (\d+)[\r]*\n")
        m.expect(r"\(d1\) " + DONE_MARKER)
        log = m.log
    assert version == kit["kernel_version"]
    assert cpus == 1
    assert "Booting kernel on Xen PVH" in log
    assert "xen:events: Using 2-level ABI" in log
    assert "Xen HVM callback vector for event delivery is enabled" in log
    assert "crashed" not in log
