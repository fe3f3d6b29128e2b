#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions per Credit2 scheduling decision (credit2_pick_next) for 1 to
# 1024 runnable vCPUs on one 8-pCPU runqueue, counted by valgrind's callgrind
# (bench/sched_decision.c says what is measured). Figures, never pass/fail.
set -eu
cd "$(dirname "$0")/.."
out=build/bench
mkdir -p "$out"
${CC:-cc} -std=gnu11 -O2 -g -Wall -Wextra -Werror -Ihv/include -o "$out/sched_decision" \
    bench/sched_decision.c hv/core/credit2.c hv/core/credit2_balance.c
if ! command -v valgrind >/dev/null 2>&1; then
    echo "bench-sched: valgrind not installed; nothing measured"
    exit 0
fi
decisions=${DECISIONS:-4000}
printf '%6s %10s %16s\n' vcpus decisions instr/decision
n=1
while [ "$n" -le 1024 ]; do
    valgrind --tool=callgrind --toggle-collect=measured_pick \
        --callgrind-out-file="$out/callgrind.$n" \
        "$out/sched_decision" "$n" "$decisions" >"$out/decisions.$n" 2>/dev/null
    ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out/callgrind.$n")
    made=$(cat "$out/decisions.$n")
    awk -v n="$n" -v d="$made" -v ir="$ir" 'BEGIN { printf "%6d %10d %16.0f\n", n, d, ir / d }'
    n=$((n * 2))
done
