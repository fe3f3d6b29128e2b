# SPDX-License-Identifier: MIT
"""dom0: Debian's Linux as Lamina's PVH control domain, running Debian's own,
unmodified Xen 4.17 toolstack (dom0/mkimage.sh), driven at its `dom0 # `
shell. One boot serves several checks: a dom0 boot costs about a minute
under TCG.
"""
import re

from dom0kit import Dom0, initrd_with, retry_on_host_state_bug
from lamina import guest_config, guest_elf


def xl_list(d):
    """`xl list` as {name: (id, mem, vcpus, state)}."""
    out = d.run("xl list")
    rows = {}
    for line in out.splitlines():
        m = re.match(r"(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([-rbpscd]{6})\s+[\d.]+\s*$", line)
        if m:
            rows[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)), m.group(5))
    return rows


def xl_id(d, name):
    """The id `xl list` shows for domain `name`; fails with the serial log if none."""
    rows = xl_list(d)
    assert name in rows, "no domain %r in xl list %r\n--- serial ---\n%s" % (
        name, rows, d.log[-4000:])
    return rows[name][0]


@retry_on_host_state_bug
def test_dom0_boots_and_xl_reads_the_host(tmp_path):
    """dom0 comes up as domain 0 with the toolstack running; xl's read-only
    commands answer as on Xen."""
    with Dom0(smp=2, ram=1024, args="dom0_mem=512M dom0_max_vcpus=2") as d:
        log = d.boot_to_shell()
        assert "d0 (Domain-0): 512 MiB, 2 vCPU(s)" in log
        assert "dom0: " not in log.split("LAMINA-DOM0-READY")[0].split("Run /init")[-1], \
            "the dom0 init reported a failure:\n" + log[-3000:]
        assert d.run("cat /proc/xen/capabilities").strip() == "control_d"
        assert d.run("cat /sys/hypervisor/version/major /sys/hypervisor/version/minor").split() \
            == ["4", "17"]

        rows = xl_list(d)
        assert "Domain-0" in rows, rows
        dom_id, mem, vcpus, state = rows["Domain-0"]
        assert (dom_id, vcpus) == (0, 2)
        assert 500 <= mem <= 512, mem
        assert state[0] == "r", state  # the shell's vCPU runs xl

        info = d.run("xl info")
        facts = dict(re.findall(r"^(\w+)\s*:\s*(.*?)\s*$", info, re.M))
        assert facts["xen_major"] == "4" and facts["xen_minor"] == "17", facts
        assert facts["nr_cpus"] == "2"
        assert facts["xen_scheduler"] == "credit2"
        assert "hvm" in facts["virt_caps"] and "hap" in facts["virt_caps"], facts["virt_caps"]
        assert int(facts["total_memory"]) >= 900
        assert 0 < int(facts["free_memory"]) < int(facts["total_memory"]) - 500
        assert "dom0_mem=512M" in facts["xen_commandline"]

        dmesg = d.run("xl dmesg")
        assert re.search(r"Lamina \d+\.\d+\.\d+", dmesg), dmesg[-2000:]
        assert "d0 (Domain-0): 512 MiB" in dmesg

        pools = d.run("xl cpupool-list")
        assert re.search(r"Pool-0\s+2\s+credit2\s+y\s+1", pools), pools

        vl = d.run("xl vcpu-list 0")
        assert len(re.findall(r"^Domain-0\s+0\s+\d\s+\S+\s+\S+\s+[\d.]+\s+all\s*/\s*all",
                              vl, re.M)) == 2, vl

        s = d.run("xl sched-credit2")
        assert re.search(r"Domain-0\s+0\s+256\s+0", s), s
        s = d.run("xl sched-credit2 -s")
        assert re.search(r"Pool-0\s*:?\s.*1000", s) or "1000" in s, s
        d.run("xl sched-credit2 -s -r 2500")  # the pool's ratelimit, in microseconds
        s = d.run("xl sched-credit2 -s")
        assert "2500" in s and "1000" not in s, s
        rc, out = d.run_rc("xl sched-credit2 -s -r 2000000")
        assert rc != 0 and "2500" in d.run("xl sched-credit2 -s"), out

        up = d.run("xl uptime")
        assert re.search(r"Domain-0\s+0\s+\d", up), up
        top = d.run("xentop -b -i 1")
        assert re.search(r"Domain-0\s+-+r", top) or "Domain-0" in top, top


@retry_on_host_state_bug
def test_boot_domains_next_to_dom0(tmp_path):
    """A domain from a boot-time .cfg runs next to dom0: xl sees it and can
    pause it, pin it and set its Credit2 weight."""
    cfg = guest_config(tmp_path, "spinner", "spin.elf", memory=16,
                       extra='cmdline = "seconds=600 ticks=0"\n')
    with Dom0(smp=2, ram=1024, args="dom0_mem=512M",
              extra_modules=[guest_elf("spin"), cfg]) as d:
        d.boot_to_shell()
        rows = xl_list(d)
        assert rows.get("spinner", (0,))[0] == 1, rows  # named from Lamina's log by dom0/init
        assert rows["spinner"][2] == 1

        d.run("xl pause 1")
        assert "p" in [r for r in xl_list(d).values() if r[0] == 1][0][3]
        d.run("xl unpause 1")
        assert "p" not in [r for r in xl_list(d).values() if r[0] == 1][0][3]

        d.run("xl vcpu-pin 1 0 1")
        vl = d.run("xl vcpu-list 1")
        assert re.search(r"\s1\s+0\s+1\s+\S+\s+[\d.]+\s+1\s*/", vl), vl

        d.run("xl sched-credit2 -d 1 -w 512 -c 50")
        s = d.run("xl sched-credit2 -d 1")
        assert re.search(r"\s1\s+512\s+50", s), s
        rc, out = d.run_rc("xl sched-credit2 -d 1 -c 500")
        assert rc != 0, out  # more than 100% per vCPU: refused, as on Xen


def free_mib(d):
    return int(re.search(r"^free_memory\s*:\s*(\d+)", d.run("xl info"), re.M).group(1))


@retry_on_host_state_bug
def test_xl_create_console_and_destroy(tmp_path):
    """xl create builds Debian's kernel as a PVH domU; xl console reaches its
    shell and Ctrl-] comes back; xl's controls act on it; xl destroy gives
    every page back."""
    with Dom0(smp=2, ram=1024, args="dom0_mem=512M") as d:
        d.boot_to_shell()
        free0 = free_mib(d)
        d.run("xl create /etc/xen/demo.cfg", timeout=300)
        rows = xl_list(d)
        assert "demo" in rows, rows
        dom_id, mem, vcpus, _ = rows["demo"]
        assert dom_id >= 1 and mem == 128 and vcpus == 1, rows["demo"]
        assert free_mib(d) <= free0 - 128

        d.child.sendline("xl console demo")
        d.expect(r"LAMINA-DOMU-SHELL: Linux \S+, console \S*hvc0", timeout=300)
        d.expect("domU # ", timeout=60)
        d.child.sendline("echo domU-says-$((6*7))")
        d.expect("domU-says-42", timeout=60)
        d.expect("domU # ", timeout=60)
        d.child.send("\x1d")  # Ctrl-]: back to dom0
        d.expect("dom0 # ", timeout=60)

        d.run("xl pause demo")
        assert "p" in xl_list(d)["demo"][3]
        d.run("xl unpause demo")
        assert "p" not in xl_list(d)["demo"][3]
        d.run("xl vcpu-pin demo 0 1")
        vl = d.run("xl vcpu-list demo")
        assert re.search(r"^demo\s+%d\s+0\s+1\s+\S+\s+[\d.]+\s+1\s*/" % dom_id, vl, re.M), vl
        d.run("xl sched-credit2 -d demo -w 512")
        assert re.search(r"^demo\s+%d\s+512\s+0" % dom_id, d.run("xl sched-credit2 -d demo"),
                         re.M)

        d.run("xl destroy demo")
        assert "demo" not in xl_list(d)
        assert free_mib(d) == free0, "pages not all given back"
        assert "d%d (domU): destroyed, " % dom_id in d.run("xl dmesg")


@retry_on_host_state_bug
def test_xl_create_refusals_leak_nothing(tmp_path):
    """A config xl cannot build, or memory Lamina cannot give, fails with xl's
    own error and leaves no domain and no memory behind."""
    with Dom0(smp=2, ram=1024, args="dom0_mem=512M") as d:
        d.boot_to_shell()
        free0 = free_mib(d)
        d.run("printf 'name=\"bad\"\\ntype=\"pvh\"\\nkernel=\"/nonexistent\"\\nmemory=64\\n'"
              " > /tmp/bad.cfg")
        rc, out = d.run_rc("xl create /tmp/bad.cfg", timeout=120)
        assert rc != 0 and "bad" not in xl_list(d), out
        d.run("sed 's/memory = 128/memory = 4000/; s/demo/huge/' /etc/xen/demo.cfg > /tmp/huge.cfg")
        rc, out = d.run_rc("xl create /tmp/huge.cfg", timeout=120)
        assert rc != 0 and "huge" not in xl_list(d), out
        assert free_mib(d) == free0
        # A good one still works afterwards; -c attaches its console at once.
        d.child.sendline("xl create -c /etc/xen/demo.cfg")
        d.expect(r"LAMINA-DOMU-SHELL: Linux", timeout=300)
        d.child.sendline("")
        d.expect("domU # ", timeout=60)
        d.child.send("\x1d")  # Ctrl-]: back to dom0
        d.expect(re.escape("dom0 # "), timeout=60)
        d.run("xl destroy demo")
        assert free_mib(d) == free0


def wait_for(d, cmd, pattern, timeout=120, present=True):
    """Run `cmd` in dom0 until its output matches `pattern` (or stops matching)."""
    import time
    end = time.time() + timeout
    while True:
        out = d.run(cmd)
        if bool(re.search(pattern, out, re.M)) == present:
            return out
        assert time.time() < end, "%r: %r %s after %d s:\n%s" % (
            cmd, pattern, "never seen" if present else "still there", timeout, out)
        d.run("sleep 2")


def wait_for_domu_shell(d, name, count=1, timeout=300):
    """Wait until domU `name` has reached its /init shell `count` times in all
    (xenconsoled keeps each guest's console in a log, appended across
    reboots). Only then will a poweroff request find the /init that acts on
    it: one sent earlier is lost inside the guest, as on Xen."""
    log = "/var/log/xen/console/guest-%s.log" % name
    wait_for(d, "grep -c LAMINA-DOMU-SHELL %s 2>/dev/null | awk '$1 >= %d {print \"shells-seen\"}'"
             % (log, count), r"^shells-seen$", timeout=timeout)


@retry_on_host_state_bug
def test_xl_shutdown_reboot_and_crash(tmp_path):
    """The guest's shutdown reason reaches xl, which honours on_reboot and
    on_crash; xenstored and xenconsoled live through a domU crash."""
    with Dom0(smp=2, ram=1024, args="dom0_mem=512M") as d:
        d.boot_to_shell()
        free0 = free_mib(d)
        d.run("xl create /etc/xen/demo.cfg", timeout=300)
        first = xl_id(d, "demo")
        wait_for(d, "xl list demo", r"^demo\s+\d+\s+128\s+1\s+[-rb]", timeout=60)
        wait_for_domu_shell(d, "demo", 1)
        d.run("xl reboot demo")  # on_reboot = "restart": a new domain, a new id
        out = wait_for(d, "xl list", r"^demo\s+(?!%d\s)\d+\s" % first, timeout=300)
        second = xl_id(d, "demo")
        assert second != first, out
        wait_for_domu_shell(d, "demo", 2)
        d.run("xl shutdown -w demo", timeout=300)  # on_poweroff = "destroy"
        assert "demo" not in xl_list(d)
        log = d.run("xl dmesg")
        assert "d%d (domU): shutdown: reboot" % first in log
        assert "d%d (domU): shutdown: poweroff" % second in log

        d.run("xl create /etc/xen/demo.cfg", timeout=300)
        third = xl_id(d, "demo")
        wait_for_domu_shell(d, "demo", 3)
        d.child.sendline("xl console demo")
        d.child.sendline("")  # a fresh prompt, whatever the console replays
        d.expect("domU # ", timeout=120)
        d.child.sendline("echo c > /proc/sysrq-trigger")  # a kernel panic
        d.expect("dom0 # ", timeout=120)  # the console ends with the domain
        wait_for(d, "xl list", r"^demo\s", timeout=120, present=False)  # on_crash = destroy
        assert "d%d (domU): shutdown: crash" % third in d.run("xl dmesg")
        d.run("pidof xenstored && pidof xenconsoled")
        d.run("xl create /etc/xen/demo.cfg", timeout=300)  # the toolstack still works
        d.run("xl destroy demo")
        assert free_mib(d) == free0


def spin_cfg(name, extra=""):
    # Without a vcpus= line, xl 4.17 sets no hard affinity from cpus= (seen here).
    return ('name = "%s"\ntype = "pvh"\nkernel = "/root/spin.elf"\nmemory = 16\nvcpus = 1\n'
            'on_poweroff = "destroy"\n%s' % (name, extra))


@retry_on_host_state_bug
def test_credit2_weights_and_destroy_while_running(tmp_path):
    """Two domUs made by xl on one pCPU, weights 256 and 768 set with
    xl sched-credit2, share it about 1:3; a domain whose vCPU runs on the
    other pCPU is destroyed at once and gives every page back."""
    files = {"/root/spin.elf": guest_elf("spin"),
             "/etc/xen/light.cfg": spin_cfg("light", 'cmdline = "seconds=12 ticks=0"\ncpus = "1"\n'),
             "/etc/xen/heavy.cfg": spin_cfg("heavy", 'cmdline = "seconds=12 ticks=0"\ncpus = "1"\n'),
             "/etc/xen/forever.cfg": spin_cfg("forever", 'cmdline = "seconds=600 ticks=0"\n'
                                              'cpus = "1"\n')}
    with Dom0(smp=2, ram=1024, args="dom0_mem=512M", initrd=initrd_with(tmp_path, files)) as d:
        d.boot_to_shell()
        d.run("xl vcpu-pin 0 all 0")  # dom0 keeps to pCPU 0
        free0 = free_mib(d)
        d.run("xl create -p /etc/xen/light.cfg && xl create -p /etc/xen/heavy.cfg", timeout=120)
        d.run("xl sched-credit2 -d light -w 256 && xl sched-credit2 -d heavy -w 768")
        ids = {name: row[0] for name, row in xl_list(d).items()}
        d.run("xl unpause light; xl unpause heavy")
        d.expect(r"\(d\d+\) spin: done t=\d+ running=\d+", timeout=120)
        d.expect(r"\(d\d+\) spin: done t=\d+ running=\d+", timeout=120)
        ran = {}
        for name in ("light", "heavy"):
            m = re.search(r"\(d%d\) spin: done t=\d+ running=(\d+)" % ids[name], d.log)
            assert m, d.log[-3000:]
            ran[name] = int(m.group(1))
        share = ran["light"] / (ran["light"] + ran["heavy"])
        assert 0.18 <= share <= 0.32, ran  # 1:3 is 0.25
        wait_for(d, "xl list", r"^(light|heavy)\s", present=False)  # on_poweroff = "destroy"

        d.run("xl create /etc/xen/forever.cfg", timeout=120)
        wait_for(d, "xl vcpu-list forever", r"^forever\s+\d+\s+0\s+1\s+r", timeout=60)
        d.run("xl destroy forever", timeout=60)
        assert "forever" not in xl_list(d)
        assert free_mib(d) == free0


@retry_on_host_state_bug
def test_create_destroy_cycles_leave_memory_as_it_was(tmp_path):
    """Many xl create/destroy cycles: free memory ends exactly where it began."""
    files = {"/root/spin.elf": guest_elf("spin"),
             "/etc/xen/cycle.cfg": spin_cfg("cycle", 'cmdline = "seconds=600 ticks=0"\n')}
    with Dom0(smp=2, ram=1024, args="dom0_mem=512M", initrd=initrd_with(tmp_path, files)) as d:
        d.boot_to_shell()
        free0 = free_mib(d)
        out = d.run("i=0; while [ $i -lt 100 ]; do xl create /etc/xen/cycle.cfg >/dev/null &&"
                    " xl destroy cycle || break; i=$((i+1)); done; echo cycles=$i", timeout=1500)
        assert "cycles=100" in out, out
        assert "cycle" not in xl_list(d)
        assert free_mib(d) == free0
