# SPDX-License-Identifier: MIT
"""Debian's own Linux kernel, unmodified, as a PVH domU.

The kernel and busybox come from the Debian archive (scripts/linux-kit.sh);
the test initramfs prints what it sees and powers off.
"""
import re

import pytest

from lamina import Lamina, guest_config, guest_elf
from linuxkit import CMDLINE, DONE_MARKER, INIT_MARKER, ensure_linux_kit


@pytest.mark.parametrize("vcpus", [1, 2, 4])  # 4 vCPUs on 2 pCPUs: overcommitted
def test_debian_kernel_boots_smp_and_powers_off(tmp_path, vcpus):
    kit = ensure_linux_kit()
    cfg = guest_config(tmp_path, "linux", "vmlinux", memory=256,
                       extra='ramdisk = "initrd-test.cpio.gz"\ncmdline = "%s"\nvcpus = %d\n'
                       % (CMDLINE, vcpus))
    with Lamina(smp=2, ram=1024, args="on_last_domain_exit=poweroff",
                modules=[kit["vmlinux"], kit["initrd_test"], cfg], timeout=300) as m:
        log = m.wait_poweroff()
    assert "(d1) " + INIT_MARKER in log, log[-3000:]
    assert re.search(r"\(d1\) kernel: %s$" % re.escape(kit["kernel_version"]), log, re.M)
    assert re.search(r"\(d1\) cpus: %d$" % vcpus, log, re.M)   # INIT-SIPI started the others
    assert re.search(r"\(d1\) steal: \d+$", log, re.M)
    assert "(d1) " + DONE_MARKER in log
    # The paravirtual pieces Linux picked, not native fallbacks.
    for line in ["Hypervisor detected: Xen HVM", "Booting kernel on Xen PVH", "xen:events: Using 2-level ABI",
                 "Xen HVM callback vector for event delivery is enabled",
                 "installing Xen timer for CPU 0", "clocksource: Switched to clocksource xen",
                 "x2apic: enabled by BIOS, switching to x2apic ops"]:
        assert line in log, line
    assert "d1 (linux): shutdown: poweroff" in log
    assert "all domains have exited: powering off" in log
    assert "crashed" not in log


def test_interactive_shell_over_the_console_ring(tmp_path):
    """Serial input reaches the domain's shell through its console ring (hvc0)."""
    kit = ensure_linux_kit()
    cfg = guest_config(tmp_path, "linux", "vmlinux", memory=256,
                       extra='ramdisk = "initrd-interactive.cpio.gz"\ncmdline = "%s"\n' % CMDLINE)
    with Lamina(smp=2, ram=1024, args="on_last_domain_exit=poweroff",
                modules=[kit["vmlinux"], kit["initrd_interactive"], cfg], timeout=300) as m:
        m.expect(r"\[input to d1 \(linux\)")
        m.expect(r"domU # ")
        m.child.send("echo answer-$((6*7))\r")
        m.expect(r"answer-42")
        m.child.send("poweroff -f\r")
        log = m.wait_poweroff()
    assert "d1 (linux): shutdown: poweroff" in log


@pytest.mark.parametrize("vcpus,pcpus", [(2, 1), (1, 2)])
def test_linux_sees_steal_time_only_when_overcommitted(tmp_path, vcpus, pcpus):
    """/proc/stat's steal comes from the runstate area Lamina keeps up to date."""
    kit = ensure_linux_kit()
    burn = 5
    cfg = guest_config(tmp_path, "linux", "vmlinux", memory=256,
                       extra='ramdisk = "initrd-test.cpio.gz"\ncmdline = "%s lamina_burn=%d"\n'
                       'vcpus = %d\n' % (CMDLINE, burn, vcpus))
    with Lamina(smp=pcpus, ram=1024, args="on_last_domain_exit=poweroff",
                modules=[kit["vmlinux"], kit["initrd_test"], cfg], timeout=300) as m:
        log = m.wait_poweroff()
    got = re.search(r"\(d1\) burn: %d s on %d cpus, steal \+(-?\d+)$" % (burn, vcpus), log, re.M)
    assert got, log[-3000:]
    steal = int(got[1])  # USER_HZ (100/s) ticks, summed over the vCPUs
    print("%d vCPU(s) on %d pCPU(s): steal +%d ticks in %d s" % (vcpus, pcpus, steal, burn))
    if vcpus > pcpus:  # two busy vCPUs share one pCPU: each waits about half the time
        assert steal >= 0.4 * burn * 100, steal
    else:
        assert 0 <= steal <= 0.05 * burn * 100, steal


def linux_cfg(tmp_path, name, end=None, vcpus=1):
    cmdline = CMDLINE + (" lamina_end=%s" % end if end else "")
    return guest_config(tmp_path, name, "vmlinux", memory=256,
                        extra='ramdisk = "initrd-test.cpio.gz"\ncmdline = "%s"\nvcpus = %d\n'
                        % (cmdline, vcpus))


# Known bug (notes of session 1): with two Linux domains on two pCPUs, one of
# them now and then (about 1 run in 4) is entered with the host's own state in
# its VMCB (RIP just after VMRUN, host CR3/RSP) and dies on a nested page
# fault. Never seen on one pCPU, nor with one Linux domain on two pCPUs. The
# tests below run on one pCPU; the xfail keeps the two-pCPU case in every run.
def test_two_linux_domains_at_once(tmp_path):
    kit = ensure_linux_kit()
    with Lamina(smp=1, ram=1024, args="on_last_domain_exit=poweroff",
                modules=[kit["vmlinux"], kit["initrd_test"], linux_cfg(tmp_path, "alpha"),
                         linux_cfg(tmp_path, "beta")], timeout=300) as m:
        log = m.wait_poweroff()
    for d, name in ((1, "alpha"), (2, "beta")):   # each console line says whose it is
        assert "(d%d) %s" % (d, INIT_MARKER) in log, log[-3000:]
        assert "(d%d) %s" % (d, DONE_MARKER) in log
        assert "d%d (%s): shutdown: poweroff" % (d, name) in log


def test_reboot_and_panic_are_reported_and_others_keep_running(tmp_path):
    kit = ensure_linux_kit()
    printer = guest_config(tmp_path, "printer", "printer.elf", memory=16,
                           extra='cmdline = "count=40"\n')
    with Lamina(smp=1, ram=1024, args="on_last_domain_exit=poweroff",
                modules=[kit["vmlinux"], kit["initrd_test"], guest_elf("printer"),
                         linux_cfg(tmp_path, "rebooter", "reboot"),
                         linux_cfg(tmp_path, "panicker", "panic"), printer], timeout=300) as m:
        log = m.wait_poweroff()
    assert "d1 (rebooter): shutdown: reboot" in log, log[-3000:]
    assert "d2 (panicker): shutdown: crash" in log
    assert "Kernel panic" in log                       # Linux said so on its console
    assert "(d3) printer: done" in log                 # the third domain was not disturbed
    assert "d3 (printer): shutdown: poweroff" in log


@pytest.mark.xfail(reason="known bug: host state in a VMCB with 2 Linux domains on 2 pCPUs",
                   strict=False)
def test_two_linux_domains_on_two_pcpus(tmp_path):
    kit = ensure_linux_kit()
    with Lamina(smp=2, ram=1024, args="on_last_domain_exit=poweroff",
                modules=[kit["vmlinux"], kit["initrd_test"], linux_cfg(tmp_path, "alpha", "reboot"),
                         linux_cfg(tmp_path, "beta", "panic")], timeout=300) as m:
        log = m.wait_poweroff()
    assert "d1 (alpha): shutdown: reboot" in log and "d2 (beta): shutdown: crash" in log
    assert "crashed: page walk" not in log
