# SPDX-License-Identifier: MIT
"""Boot log contract, CPU/memory/NUMA discovery, modules and command-line handling."""
import os
import re

import pytest

from lamina import ROOT, Lamina, lamina_lines

CONTRACT = [r"cpus: \d+ online", r"memory: \d+ MiB usable", r"numa: \d+ node\(s\)"]


def test_banner_comes_first_and_contract_lines_follow():
    with Lamina(smp=2, ram=256) as m:
        log = m.boot()
    lines = lamina_lines(log)
    assert re.fullmatch(r"Lamina \d+\.\d+\.\d+", lines[0]), lines[0]
    # Nothing Lamina prints comes before the banner; the contract lines come after it, in order.
    before = log[: log.index(lines[0])]
    for pat in CONTRACT:
        assert not re.search(pat, before)
    idx = [next(i for i, l in enumerate(lines) if re.fullmatch(p, l)) for p in CONTRACT]
    assert idx == sorted(idx)


@pytest.mark.parametrize("smp", [1, 2, 4])
def test_cpu_count(smp):
    with Lamina(smp=smp, ram=128) as m:
        log = m.boot()
    assert re.search(r"^cpus: %d online\r?$" % smp, log, re.M), log
    assert "selftest: IPIs and one-shot timers work on %d CPU(s)" % smp in log


@pytest.mark.parametrize("ram", [128, 1024])
def test_memory_size(ram):
    with Lamina(smp=1, ram=ram) as m:
        log = m.boot()
    usable = int(re.search(r"^memory: (\d+) MiB usable", log, re.M).group(1))
    # Firmware keeps a little (real-mode area, ACPI tables) for itself.
    assert ram - 3 <= usable <= ram, usable


def test_numa_nodes_from_srat():
    numa = ["-object", "memory-backend-ram,id=m0,size=256M",
            "-object", "memory-backend-ram,id=m1,size=256M",
            "-numa", "node,nodeid=0,memdev=m0,cpus=0-1",
            "-numa", "node,nodeid=1,memdev=m1,cpus=2-3"]
    with Lamina(smp=4, ram=512, qemu_extra=numa) as m:
        log = m.boot()
    assert re.search(r"^numa: 2 node\(s\)\r?$", log, re.M), log
    assert "SRAT" in log


def test_no_srat_means_one_node():
    with Lamina(smp=2, ram=128) as m:
        log = m.boot()
    assert re.search(r"^numa: 1 node\(s\)\r?$", log, re.M)


def test_modules_listed_with_names_and_sizes(tmp_path):
    a = tmp_path / "web.cfg"
    a.write_text("name = \"web\"\n")
    b = tmp_path / "blob.bin"
    b.write_bytes(os.urandom(12345))
    with Lamina(ram=128, modules=["%s memory=64" % a, str(b)]) as m:
        log = m.boot()
    assert re.search(r"^module 0: web\.cfg %d bytes args: memory=64\r?$" % a.stat().st_size,
                     log, re.M), log
    assert re.search(r"^module 1: blob\.bin 12345 bytes\r?$", log, re.M), log


def test_fault_prints_registers_and_symbolized_backtrace():
    with Lamina(ram=128, args="test=fault") as m:
        m.expect(r"panic on CPU 0: fatal exception 14")
        log = m.log
    assert "FATAL: #PF page fault on CPU 0" in log
    assert re.search(r"CR2: 00000000dead0000", log)
    assert re.search(r"RIP: ffffffff[0-9a-f]{8} test_fault_trigger\+0x[0-9a-f]+/0x[0-9a-f]+", log)
    trace = log[log.index("Backtrace:"):]
    assert re.search(r"test_fault_trigger\+0x", trace)
    assert re.search(r"start_lamina\+0x", trace)


def test_malformed_options_warn_once_and_boot_completes():
    args = "loglvl=loud frobnicate=1 com1=12345x maxcpus=0 x2apic=maybe"
    with Lamina(smp=2, ram=128, args=args) as m:
        log = m.boot()
    assert log.count("warning: cmdline: bad value 'loud' for 'loglvl'") == 1
    assert log.count("warning: cmdline: unknown option 'frobnicate' ignored") == 1
    assert log.count("for 'com1'") == 1
    assert log.count("for 'maxcpus'") == 1
    assert log.count("for 'x2apic'") == 1
    # Defaults kept: both CPUs up, console still at 115200.
    assert re.search(r"^cpus: 2 online\r?$", log, re.M)


def test_options_take_effect():
    with Lamina(smp=2, ram=128, args="maxcpus=1 calibrate=pit") as m:
        log = m.boot()
    assert re.search(r"^cpus: 1 online\r?$", log, re.M)
    assert "calibrated against the PIT" in log


def test_loglvl_filters_the_console():
    with Lamina(ram=128, args="loglvl=error test=panic") as m:
        m.expect(r"panic on CPU 0: test: panic on purpose")
        log = m.log
    assert "memory map" not in log
    assert "cpus:" not in log


def test_make_run_works_without_a_terminal():
    """`make run` with stdin and stdout as pipes (as in CI or a script) boots
    into dom0 with its toolstack, as the README promises."""
    import subprocess
    import signal
    import time
    from dom0kit import READY, ensure_dom0_kit
    ensure_dom0_kit()  # the first build fetches packages: not part of the boot's time
    p = subprocess.Popen(["make", "-s", "run"], cwd=ROOT,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    out, deadline = b"", time.time() + 300
    try:
        os.set_blocking(p.stdout.fileno(), False)
        while READY.encode() not in out and time.time() < deadline and p.poll() is None:
            chunk = p.stdout.read() or b""
            out += chunk
            time.sleep(0.2)
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    assert b"boot: done" in out and b"d0 (Domain-0): " in out, out[-2000:]
    assert READY.encode() in out, out[-2000:]


def test_serial_input_reaches_lamina():
    """Ctrl-A three times switches input; Lamina answers its own keys."""
    with Lamina(smp=1, ram=128) as m:
        m.boot()
        m.child.send("\x01\x01\x01")
        m.expect(r"\[input to Lamina; h for help\]")
        m.child.send("h")
        m.expect(r"Lamina keys: h help, l list domains")
        m.child.send("l")
        m.expect(r"id name\s+state\s+vcpus\s+memory")
