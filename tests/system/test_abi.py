# SPDX-License-Identifier: MIT
"""Guest ABI conformance, event channels and timers, asserted by test guests.

Each guest prints PASS:/FAIL: lines and `RESULT: n passed, m failed`; the
tests check the result line, the absence of FAIL lines, and a few named
checks so a guest that silently skips a check cannot pass.
"""
import re

from lamina import Lamina, guest_config, guest_elf

POWEROFF = "on_last_domain_exit=poweroff"


def results(log, dom):
    m = re.search(r"\(d%d\) RESULT: (\d+) passed, (\d+) failed" % dom, log)
    assert m, "no RESULT line from d%d:\n%s" % (dom, log[-4000:])
    fails = re.findall(r"\(d%d\) FAIL: .*" % dom, log)
    assert int(m.group(2)) == 0 and not fails, "\n".join(fails)
    return int(m.group(1))


def test_hypercall_conformance(tmp_path):
    cfg = guest_config(tmp_path, "abi", "abi.elf")
    with Lamina(smp=2, ram=256, args=POWEROFF, modules=[guest_elf("abi"), cfg],
                timeout=120) as m:
        log = m.wait_poweroff()
    assert results(log, 1) >= 100
    for check in ["hypercall from CPL 3 -EPERM", "xen_version via hypercall page",
                  "xen_version via the other vendor's instruction",
                  "memory_op add_to_physmap shared_info", "send sets the peer's pending bit",
                  "sched_op poll times out"]:
        assert "(d1) PASS: " + check in log, check
    assert "d1 (abi): shutdown: poweroff" in log


def test_event_channel_ping_pong_10000(tmp_path):
    pong = guest_config(tmp_path, "pong", "evtchn.elf",
                        extra='cmdline = "role=pong peer=2 count=10000"\n')
    ping = guest_config(tmp_path, "ping", "evtchn.elf",
                        extra='cmdline = "role=ping peer=1 count=10000"\n')
    with Lamina(smp=2, ram=256, args=POWEROFF, modules=[guest_elf("evtchn"), pong, ping],
                timeout=300) as m:
        log = m.wait_poweroff()
    assert "(d2) PASS: 10000 round trips, none lost" in log, log[-3000:]
    assert "(d1) PASS: pong: 10000 events answered" in log
    assert re.search(r"\(d2\) ping: 10000 round trips in \d+ us", log)


def test_event_channel_poll_mode(tmp_path):
    pong = guest_config(tmp_path, "pong", "evtchn.elf",
                        extra='cmdline = "role=pong peer=2 count=2000 wait=poll"\n')
    ping = guest_config(tmp_path, "ping", "evtchn.elf",
                        extra='cmdline = "role=ping peer=1 count=2000 wait=poll"\n')
    with Lamina(smp=1, ram=256, args=POWEROFF, modules=[guest_elf("evtchn"), pong, ping],
                timeout=300) as m:
        log = m.wait_poweroff()
    assert "(d2) PASS: 2000 round trips, none lost" in log, log[-3000:]


def test_singleshot_timers_never_early(tmp_path):
    cfg = guest_config(tmp_path, "timers", "timers.elf")
    with Lamina(smp=2, ram=256, args=POWEROFF, modules=[guest_elf("timers"), cfg],
                timeout=120) as m:
        log = m.wait_poweroff()
    results(log, 1)
    for d in (100, 1000, 5000, 20000):
        assert "(d1) PASS: +%d us timer not early" % d in log
        assert "(d1) PASS: +%d us timer less than 100 ms late" % d in log
    assert "(d1) PASS: past deadline fires at once" in log
    assert "(d1) PASS: stopped timer does not fire" in log
