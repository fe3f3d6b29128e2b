#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmarks report figures, never pass/fail. Today: image size and boot time
# (QEMU start to "boot: done", median of 3) under TCG. Later issues add VM
# exit and hypercall costs.
set -eu
cd "$(dirname "$0")/.."
size build/lamina.elf | awk 'NR==2 {printf "image: text %d data %d bss %d bytes (%.1f KiB loaded)\n", $1, $2, $3, $4/1024}'
times=""
for i in 1 2 3; do
    t=$(/usr/bin/python3 - <<'PY'
import sys, time
sys.path.insert(0, "tests/system")
from lamina import Lamina
t0 = time.time()
with Lamina(smp=2, ram=256) as m:
    m.boot()
print("%.2f" % (time.time() - t0))
PY
)
    times="$times $t"
done
echo "boot to idle (QEMU TCG, 2 CPUs, 256 MiB), seconds:$times; median $(echo $times | tr ' ' '\n' | sort -n | sed -n 2p)"
