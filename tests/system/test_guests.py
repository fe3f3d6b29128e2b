# SPDX-License-Identifier: MIT
"""Boot-time PVH domains: the hello guest, config errors, lifecycle lines."""
import re

from lamina import Lamina, guest_config, guest_elf

POWEROFF = "on_last_domain_exit=poweroff"


def test_hello_guest_prints_and_powers_off(tmp_path):
    cfg = guest_config(tmp_path, "hello", "hello.elf", extra='cmdline = "hello-args"\n')
    with Lamina(smp=2, ram=256, args=POWEROFF, modules=[guest_elf("hello"), cfg]) as m:
        log = m.wait_poweroff()
    assert "d1 (hello): created" in log
    assert "(d1) hello from PVH guest" in log          # console_io hypercall
    assert "(d1) hello via port e9" in log             # port 0xE9
    assert "(d1) hello via the console ring" in log    # HVM_PARAM_CONSOLE_PFN/EVTCHN
    assert "(d1) cmdline: hello-args" in log           # hvm_start_info cmdline
    assert "(d1) xen version: 4.17" in log             # xen_version
    assert "d1 (hello): shutdown: poweroff" in log     # sched_op shutdown
    assert re.search(r"d1 \(hello\): destroyed, 32\d\d\d KiB returned", log)
    assert "all domains have exited: powering off" in log


def test_malformed_config_skips_only_that_domain(tmp_path):
    bad = tmp_path / "bad.cfg"
    bad.write_text('name = "bad"\nmemory = lots\nkernel = "hello.elf"\n')
    missing = guest_config(tmp_path, "ghost", "nonexistent.elf", filename="ghost.cfg")
    good = guest_config(tmp_path, "hello", "hello.elf")
    with Lamina(smp=1, ram=256, args=POWEROFF,
                modules=[guest_elf("hello"), str(bad), missing, good]) as m:
        log = m.wait_poweroff()
    assert re.search(r"error: bad\.cfg: line 2: .*memory.*; domain skipped", log), log
    assert "error: ghost.cfg: no boot module named 'nonexistent.elf'; domain skipped" in log
    assert "(d1) hello from PVH guest" in log
    assert "d1 (hello): shutdown: poweroff" in log


def test_kernel_without_pvh_note_is_refused(tmp_path):
    notpvh = tmp_path / "plain.elf"
    notpvh.write_bytes(b"\x7fELF" + b"\x00" * 60)
    cfg = guest_config(tmp_path, "plain", "plain.elf")
    good = guest_config(tmp_path, "hello", "hello.elf")
    with Lamina(smp=1, ram=256, args=POWEROFF,
                modules=[str(notpvh), cfg, guest_elf("hello"), good]) as m:
        log = m.wait_poweroff()
    assert re.search(r"error: plain\.cfg: .*; domain skipped", log), log
    assert "(d1) hello from PVH guest" in log or "(d2) hello from PVH guest" in log


def test_too_little_memory_is_a_clear_error(tmp_path):
    cfg = guest_config(tmp_path, "tiny", "hello.elf", memory=1)
    with Lamina(smp=1, ram=128, args=POWEROFF, modules=[guest_elf("hello"), cfg]) as m:
        log = m.wait_poweroff()
    assert re.search(r"error: tiny\.cfg: .*(memory|MiB).*; domain skipped", log), log


def test_make_run_guest_boots_a_pvh_image():
    """`make run GUEST=<elf>` describes the domain itself and boots it."""
    import subprocess
    from lamina import ROOT
    out = subprocess.run(
        ["make", "-s", "run", "GUEST=" + guest_elf("hello"), "CMDLINE=from-make-run",
         "MEMORY=48", "SMP=1", "RAM=256", "ARGS=on_last_domain_exit=poweroff"],
        cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    log = out.stdout.replace("\r", "")
    assert "d1 (guest): 48 MiB, 1 vCPU(s), kernel hello.elf" in log, log[-3000:]
    assert "(d1) cmdline: from-make-run" in log
    assert "all domains have exited: powering off" in log


def test_32bit_guest_uses_the_32bit_hypercall_convention(tmp_path):
    """An ELF32 image entered in protected mode; eax/ebx/ecx/... carry the call."""
    cfg = guest_config(tmp_path, "h32", "hello32.elf", memory=16)
    with Lamina(smp=1, ram=128, args=POWEROFF, modules=[guest_elf("hello32"), cfg]) as m:
        log = m.wait_poweroff()
    assert "(d1) hello from a 32-bit guest" in log
    assert "(d1) hello32: xen version 4.17" in log
    assert "d1 (h32): shutdown: poweroff" in log


def test_exit_reason_histogram_on_request(tmp_path):
    """Key 'e' prints each domain's VM exits by reason (for finding needless exits)."""
    printer = guest_config(tmp_path, "printer", "printer.elf", memory=16,
                           extra='cmdline = "count=40"\n')
    with Lamina(smp=1, ram=128, modules=[guest_elf("printer"), printer]) as m:
        m.expect(r"\[input to d1 \(printer\)")       # the first boot domain gets the input
        m.expect(r"\(d1\) tick 3")
        m.child.send("\x01\x01\x01")
        m.expect(r"\[input to Lamina")
        m.child.send("e")
        m.expect(r"d1 \(printer\): (\d+) exits")
        total = int(m.child.match.group(1))
        m.expect(r"vmmcall\s+0x81\s+(\d+)")
        assert 0 < int(m.child.match.group(1)) <= total
