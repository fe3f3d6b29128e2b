#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmarks report figures, never pass/fail: these machines are shared and
# noisy. Image size; boot time to idle (median of 3); and, from inside a PVH
# guest (guests/bench), the round trip of a null hypercall and of a CPUID
# exit, i.e. VM exits per second, under QEMU TCG; the cost of a Credit2
# decision; wake-to-run latency (bench/wake_latency.py); a Linux domU
# boot compared with Xen 4.17 (bench/linux_boot.py); and dom0 with xl, boot to
# its prompt and `xl create` to the domU's /init, against Xen 4.17 with the
# same dom0 image (bench/dom0_boot.py).
set -eu
cd "$(dirname "$0")/.."
make -s all guests
size build/lamina.elf | awk 'NR==2 {printf "image: text %d data %d bss %d bytes (%.1f KiB loaded)\n", $1, $2, $3, $4/1024}'
/usr/bin/python3 - <<'PY'
import re, statistics, sys, tempfile, time
sys.path.insert(0, "tests/system")
from pathlib import Path
from lamina import Lamina, guest_config, guest_elf

times = []
for _ in range(3):
    t0 = time.time()
    with Lamina(smp=2, ram=256) as m:
        m.boot()
    times.append(time.time() - t0)
print("boot to idle (TCG, 2 CPUs, 256 MiB): median %.2f s (runs: %s)"
      % (statistics.median(times), ", ".join("%.2f" % t for t in times)))

cfg = guest_config(Path(tempfile.mkdtemp()), "bench", "bench.elf")
with Lamina(smp=1, ram=256, args="on_last_domain_exit=poweroff",
            modules=[guest_elf("bench"), cfg]) as m:
    log = m.wait_poweroff()
mhz = float(re.search(r"TSC (\d+\.\d+) MHz", log).group(1))
for name, cycles in re.findall(r"bench: (\S+) \d+ iterations, (\d+) cycles each", log):
    us = int(cycles) / mhz
    print("%-15s %8s cycles = %6.2f us round trip, %7.0f exits/s" % (name, cycles, us, 1e6 / us))
PY

# Credit2: instructions per scheduling decision as runnable vCPUs grow, and
# wake-to-run latency with and without latency_sensitive.
scripts/bench-sched.sh
/usr/bin/python3 bench/wake_latency.py

# Debian's kernel as a PVH domU under Lamina and under Xen 4.17 on the same
# QEMU (a few minutes; BENCH_XEN=0 measures Lamina alone).
scripts/linux-kit.sh build/linux-kit/out 2>/dev/null
if [ "${BENCH_XEN:-1}" = 0 ]; then
    /usr/bin/python3 bench/linux_boot.py --no-xen
elif scripts/xen-kit.sh build/xen-kit/out; then
    /usr/bin/python3 bench/linux_boot.py
else
    echo "bench: the Xen kit could not be made (see above); measuring Lamina alone"
    /usr/bin/python3 bench/linux_boot.py --no-xen
fi

# The same dom0 image (Debian's kernel and xl) under Lamina and Xen 4.17.
dom0/mkimage.sh build/dom0/out >/dev/null
if [ "${BENCH_XEN:-1}" = 0 ] || ! scripts/xen-kit.sh build/xen-kit/out >/dev/null 2>&1; then
    /usr/bin/python3 bench/dom0_boot.py --no-xen
else
    /usr/bin/python3 bench/dom0_boot.py
fi
