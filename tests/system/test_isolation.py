# SPDX-License-Identifier: MIT
"""A guest that misbehaves dies alone; a fresh domain sees only zeros."""
import re

import pytest

from lamina import Lamina, guest_config, guest_elf

POWEROFF = "on_last_domain_exit=poweroff"


@pytest.mark.parametrize("mode,why", [
    ("triple", r"crashed: triple fault"),
    ("mmio", r"crashed: MMIO access by an instruction Lamina cannot emulate"),
])
def test_crasher_dies_alone(tmp_path, mode, why):
    crasher = guest_config(tmp_path, "crasher", "crasher.elf",
                           extra='cmdline = "mode=%s"\n' % mode)
    printer = guest_config(tmp_path, "printer", "printer.elf", memory=16,
                           extra='cmdline = "count=20"\n')
    with Lamina(smp=2, ram=256, args=POWEROFF,
                modules=[guest_elf("crasher"), guest_elf("printer"), crasher, printer],
                timeout=180) as m:
        log = m.wait_poweroff()
    assert re.search(r"warning: d1 \(crasher\): " + why, log), log[-3000:]
    assert "d1 (crasher): shutdown: crash" in log
    assert "d1 (crasher): destroyed" in log
    assert "(d2) tick 20" in log and "(d2) printer: done" in log
    assert "d2 (printer): shutdown: poweroff" in log
    # The printer kept going after the crash.
    assert log.index("d1 (crasher): shutdown: crash") < log.index("(d2) printer: done")


def test_runaway_and_bad_pointers_do_not_stop_others(tmp_path):
    """Two guests spin forever (one with interrupts off); a third still gets its turns."""
    spin = guest_config(tmp_path, "spin", "crasher.elf", memory=16,
                        extra='cmdline = "mode=spin"\n')
    bad = guest_config(tmp_path, "badptr", "crasher.elf", memory=16,
                       extra='cmdline = "mode=badptr"\n')
    printer = guest_config(tmp_path, "printer", "printer.elf", memory=16,
                           extra='cmdline = "count=10"\n')
    with Lamina(smp=2, ram=256, modules=[guest_elf("crasher"), guest_elf("printer"),
                                         spin, bad, printer], timeout=180) as m:
        m.expect(r"\(d3\) printer: done")
        m.expect(r"d3 \(printer\): shutdown: poweroff")
        log = m.log
    assert "(d2) RESULT: 23 passed, 0 failed" in log  # every wild pointer gave -EFAULT
    assert "(d1) crasher: spinning with interrupts off" in log


def test_unbacked_mmio_reads_all_ones_writes_dropped(tmp_path):
    cfg = guest_config(tmp_path, "mmio", "crasher.elf", extra='cmdline = "mode=readmmio"\n')
    with Lamina(smp=1, ram=128, args=POWEROFF, modules=[guest_elf("crasher"), cfg]) as m:
        log = m.wait_poweroff()
    assert "(d1) PASS: mmio writes dropped" in log
    assert "(d1) RESULT: 7 passed, 0 failed" in log


def test_fresh_domain_reads_only_zeros(tmp_path):
    """poison_free fills free memory with 0xaa: only scrubbing can make it zero."""
    cfg = guest_config(tmp_path, "zeros", "crasher.elf", memory=64,
                       extra='cmdline = "mode=zeros"\n')
    with Lamina(smp=1, ram=256, args=POWEROFF + " poison_free",
                modules=[guest_elf("crasher"), cfg], timeout=180) as m:
        log = m.wait_poweroff()
    assert "mm: free memory poisoned with 0xaa" in log
    assert "(d1) PASS: RAM outside the image is zero" in log, log[-3000:]
