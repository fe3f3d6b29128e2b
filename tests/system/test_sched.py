# SPDX-License-Identifier: MIT
"""Credit2 on real (emulated) pCPUs: weights, caps, pinning, steal time, knobs.

The CPU-bound guest is guests/spin: it spins for `seconds=` of pvclock time and
prints once a second what VCPUOP_get_runstate_info says it got:
    (dN) spin: tick t=<ms> running=<ms> runnable=<ms> blocked=<ms> offline=<ms> work=<n>
Shares are measured between two of its ticks (both guests are then running),
so the boot of the second domain does not count.
"""
import re

import pytest

from lamina import Lamina, guest_config, guest_elf

POWEROFF = "on_last_domain_exit=poweroff"
TICK = re.compile(r"\(d(\d+)\) spin: (?:tick|done) t=(\d+) running=(\d+) runnable=(\d+) "
                  r"blocked=(\d+) offline=(\d+) work=(\d+)")


def spin_cfg(tmp_path, name, seconds=10, args="", extra=""):
    return guest_config(tmp_path, name, "spin.elf", memory=16,
                        extra='cmdline = "seconds=%d %s"\n%s' % (seconds, args, extra))


def ticks(log, domid):
    """[(t_ms, running_ms, runnable_ms)] of one domain, in order."""
    return [(int(m[2]), int(m[3]), int(m[4])) for m in TICK.finditer(log) if int(m[1]) == domid]


def share(log, domid, first=2, last=-2):
    """Fraction of wall time the domain ran between two of its ticks."""
    t = ticks(log, domid)
    assert len(t) >= 6, "too few ticks from d%d:\n%s" % (domid, log[-3000:])
    (t0, r0, _), (t1, r1, _) = t[first], t[last]
    return (r1 - r0) / (t1 - t0)


def run(smp, modules, args="", qemu_extra=(), timeout=180):
    with Lamina(smp=smp, ram=256, args=(POWEROFF + " " + args).strip(),
                modules=[guest_elf("spin")] + modules, qemu_extra=qemu_extra,
                timeout=timeout) as m:
        return m.wait_poweroff()


def test_weights_256_and_768_on_one_pcpu_get_1_to_3(tmp_path):
    a = spin_cfg(tmp_path, "light", extra='cpu_weight = 256\ncpus = "1"\n')
    b = spin_cfg(tmp_path, "heavy", extra='cpu_weight = 768\ncpus = "1"\n')
    log = run(2, [a, b])
    assert "d2 (heavy): weight 768, cap 0%, cpus 1, cpus_soft none" in log
    light, heavy = share(log, 1), share(log, 2)
    print("light %.3f heavy %.3f ratio %.3f" % (light, heavy, heavy / light))
    assert 0.9 < light + heavy <= 1.02, (light, heavy)  # they fill pCPU 1 between them
    assert 2.7 <= heavy / light <= 3.3, (light, heavy)   # 1:3 within 10%


def test_cap_25_gets_at_most_27_percent(tmp_path):
    capped = spin_cfg(tmp_path, "capped", extra="cap = 25\n")
    log = run(2, [capped])
    s = share(log, 1)
    print("capped share %.3f" % s)
    assert 0.15 < s <= 0.27, s
    # The rest of the time it wanted the pCPU and was parked: runnable, i.e. steal.
    t = ticks(log, 1)
    assert t[-1][2] > t[-1][1], t[-1]


def test_pinned_guest_runs_only_on_its_pcpus(tmp_path):
    pinned = spin_cfg(tmp_path, "pinned", seconds=6, args="ctl=1",
                      extra='cpus = "2-3"\nrights = [ "control" ]\n')
    # Competition everywhere, so a careless balancer would be tempted to move it.
    others = [spin_cfg(tmp_path, "other%d" % i, seconds=6) for i in range(3)]
    log = run(4, [pinned] + others)
    m = re.search(r"\(d0\) spin: pcpus seen 0x([0-9a-f]+)", log)
    assert m, log[-3000:]
    seen = int(m[1], 16)
    assert seen and not seen & ~0b1100, hex(seen)


# Two nodes of 128 MiB: node 0 is [0, 128 MiB) with pCPUs 0-1, node 1 [128, 256 MiB) with 2-3.
NUMA = ["-object", "memory-backend-ram,id=m0,size=128M",
        "-object", "memory-backend-ram,id=m1,size=128M",
        "-numa", "node,nodeid=0,memdev=m0,cpus=0-1",
        "-numa", "node,nodeid=1,memdev=m1,cpus=2-3"]
NODE1_FIRST_MFN = (128 << 20) >> 12


def test_idle_vcpus_account_each_pcpus_idle_time(tmp_path):
    # One CPU-bound guest pinned to pCPU 1 of 2: pCPU 0 idles, pCPU 1 hardly ever.
    # The guest reads it with the toolstack's sysctl getcpuinfo (what xentop uses).
    busy = spin_cfg(tmp_path, "busy", seconds=4, args="ctl=1",
                    extra='cpus = "1"\nrights = [ "control" ]\n')
    log = run(2, [busy])
    idle = {int(m[1]): int(m[2]) for m in re.finditer(r"\(d0\) spin: idle cpu(\d+) idle=(\d+)", log)}
    assert "(d0) spin: cpus 2" in log, log[-3000:]
    assert "(d0) spin: domctl interface 0x14: -13" in log  # -EACCES: another toolstack version
    assert set(idle) == {0, 1}, log[-3000:]
    print("pCPU0 idle %d ms; pCPU1 idle %d ms" % (idle[0], idle[1]))
    assert idle[0] > 3000, idle      # nothing ran there for the 4 s
    assert idle[1] < 400, idle       # spun for 4 s on pCPU 1


def test_pinned_guest_with_numa_runqueues(tmp_path):
    pinned = spin_cfg(tmp_path, "pinned", seconds=5, args="ctl=1",
                      extra='cpus = "1"\nrights = [ "control" ]\n')
    other = spin_cfg(tmp_path, "other", seconds=5)
    log = run(4, [pinned, other], qemu_extra=NUMA)
    assert "sched: credit2, 2 runqueue(s) per socket" in log
    m = re.search(r"\(d0\) spin: pcpus seen 0x([0-9a-f]+)", log)
    assert m and int(m[1], 16) == 0b10, log[-3000:]


PLACED = re.compile(r"d(\d+) \((\w+)\): node affinity (0x[0-9a-f]+) \(([^)]*)\), cpus_soft (\S+); "
                    r"memory: ([^;]*); mfn (0x[0-9a-f]+)-(0x[0-9a-f]+)")


def test_domain_memory_comes_from_its_node(tmp_path):
    # "near" is pinned to node 1's pCPUs; "auto" names no pCPUs, so it is placed on the
    # less loaded node 0 and prefers its pCPUs. Both record the pCPUs they ran on.
    near = spin_cfg(tmp_path, "near", seconds=4, args="ctl=1",
                    extra='cpus = "2-3"\nrights = [ "control" ]\n')
    auto = spin_cfg(tmp_path, "auto", seconds=4, args="ctl=1",
                    extra='rights = [ "control" ]\n')
    soft = spin_cfg(tmp_path, "soft", seconds=4, extra='cpus_soft = "node:1"\n')  # xl syntax
    log = run(4, [near, soft, auto], qemu_extra=NUMA)
    assert "numa: 2 node(s)" in log
    assert re.search(r"numa: node 1: \d+ MiB free, pCPUs 2-3", log), log[-3000:]
    placed = {m[2]: m for m in PLACED.finditer(log)}
    assert set(placed) == {"near", "auto", "soft"}, log[-3000:]
    n, a, so = placed["near"], placed["auto"], placed["soft"]
    print(n[0]), print(a[0])
    assert (n[3], n[4]) == ("0x2", "from cpus")
    assert re.fullmatch(r"node 1 \d+ KiB", n[6]), n[6]          # all of it on node 1 ...
    assert int(n[7], 16) >= NODE1_FIRST_MFN                    # ... where QEMU put node 1
    assert (a[3], a[4], a[5]) == ("0x1", "placed: least loaded node", "0-1")
    assert re.fullmatch(r"node 0 \d+ KiB", a[6]), a[6]
    assert int(a[8], 16) < NODE1_FIRST_MFN
    assert (so[3], so[4], so[5]) == ("0x2", "from cpus_soft", "2-3")
    assert re.fullmatch(r"node 1 \d+ KiB", so[6]) and int(so[7], 16) >= NODE1_FIRST_MFN, so[0]
    # Soft affinity honoured: two busy vCPUs on four pCPUs, so node 0 always has room.
    seen = {int(m[1]): int(m[2], 16)
            for m in re.finditer(r"\(d(\d+)\) spin: pcpus seen 0x([0-9a-f]+)", log)}
    assert seen[int(n[1])] and not seen[int(n[1])] & ~0b1100, seen
    assert seen[int(a[1])] and not seen[int(a[1])] & ~0b0011, seen


def test_overcommitted_guest_sees_steal_time_grow(tmp_path):
    a = spin_cfg(tmp_path, "a", seconds=8)
    b = spin_cfg(tmp_path, "b", seconds=8)
    log = run(1, [a, b])
    for d in (1, 2):
        t = ticks(log, d)
        steal = [r for (_, _, r) in t]
        assert all(y >= x for x, y in zip(steal, steal[1:])), steal
        assert steal[-1] - steal[1] > 0.3 * (t[-1][0] - t[1][0]), t  # about half the time
    assert 0.35 < share(log, 1) < 0.65 and 0.35 < share(log, 2) < 0.65


@pytest.mark.parametrize("extra,message", [
    ("cpu_weight = 0\n", r"line 5: 'cpu_weight' must be between 1 and 65535"),
    ("cpu_weight = 65536\n", r"line 5: 'cpu_weight' must be between 1 and 65535"),
    ("cap = 150\n", r"line 5: 'cap' must be at most 100 \(100 per vCPU, 1 vCPU\(s\)\)"),
    ('cpus = "0-1,^0-1"\n', r"line 5: 'cpus' selects no pCPU"),
    ('cpus = "3"\n', r"'cpus' names a pCPU that is not online \(online: 0-1\)"),
    ('cpus_soft = "5"\n', r"'cpus_soft' names a pCPU that is not online \(online: 0-1\)"),
    ('cpus = "node:5"\n', r"'cpus' names only nodes without online pCPUs"),
])
def test_bad_sched_config_refuses_that_domain(tmp_path, extra, message):
    bad = guest_config(tmp_path, "bad", "spin.elf", memory=16, extra=extra)
    good = spin_cfg(tmp_path, "good", seconds=1)
    log = run(2, [bad, good], timeout=90)
    assert re.search(r"error: bad\.cfg: " + message + r"; domain skipped", log), log[-3000:]
    assert "d1 (good): shutdown: poweroff" in log


def test_toolstack_calls_need_the_control_right(tmp_path):
    domu = spin_cfg(tmp_path, "domu", seconds=1, args="ctl=1")
    log = run(1, [domu], timeout=90)
    assert "(d1) spin: domctl getvcpuinfo failed: -1" in log  # -EPERM
    assert "(d1) spin: sysctl getcpuinfo failed: -1" in log


def test_runqueue_and_ratelimit_options(tmp_path):
    with Lamina(smp=2, ram=128, args="sched_credit2_runqueue=cpu sched_ratelimit_us=500") as m:
        log = m.boot()
    assert "sched: credit2, 2 runqueue(s) per cpu, ratelimit 500 us" in log
    with Lamina(smp=2, ram=128,
                args="sched_credit2_runqueue=bogus sched_ratelimit_us=lots") as m:
        log = m.boot()
    assert "cmdline: bad value 'bogus' for 'sched_credit2_runqueue', keeping the default" in log
    assert "cmdline: bad value 'lots' for 'sched_ratelimit_us', keeping the default" in log
    assert "sched: credit2, 1 runqueue(s) per socket, ratelimit 1000 us" in log
