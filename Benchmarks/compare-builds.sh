#!/usr/bin/env bash
# Benchmarks/compare-builds.sh: two glimpse-bench builds side by side (a refactor's "no slowdown"
# check): DeepConvNet training step and inference, SqueezeNet inference at batch 1 and 16, at 1
# and 2 threads, the two binaries alternating round by round so both see the same machine.
# Prints a Markdown table of the medians over rounds of each run's median, and the ratio.
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (which halve OpenBLAS's SGEMM here) are unset for the runs;
# runs on N threads are pinned to CPUs 0..N-1 with taskset, as in run.sh.
#
# usage: Benchmarks/compare-builds.sh BEFORE/glimpse-bench AFTER/glimpse-bench [ROUNDS (3)] [REPS (10)]
#   e.g. git worktree add ../before b96a5a9 && (cd ../before && swift build -c release --product glimpse-bench)
#        swift build -c release --product glimpse-bench
#        Benchmarks/compare-builds.sh ../before/.build/release/glimpse-bench .build/release/glimpse-bench
set -euo pipefail
before="${1:?usage: compare-builds.sh BEFORE AFTER [ROUNDS] [REPS]}"
after="${2:?usage: compare-builds.sh BEFORE AFTER [ROUNDS] [REPS]}"
rounds="${3:-3}"
reps="${4:-10}"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
for round in $(seq "$rounds"); do
    for threads in 1 2; do
        for which in before after; do
            binary="$before"; [ "$which" = after ] && binary="$after"
            for model in deepconvnet squeezenet; do
                env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE taskset -c "0-$((threads - 1))" "$binary" "$model" --threads "$threads" --reps "$reps" --warmup 2 \
                    | sed "s/^/$which /" >> "$results"
            done
        done
    done
done
python3 - "$results" <<'PY'
import collections, json, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    which, record = line.split(" ", 1)
    record = json.loads(record)
    runs[(record["metric"], record["threads"], which)].append(record["median"])
print("| metric | threads | before | after | after / before |")
print("| --- | ---: | ---: | ---: | ---: |")
for metric, threads in sorted({key[:2] for key in runs}):
    before = statistics.median(runs[(metric, threads, "before")])
    after = statistics.median(runs[(metric, threads, "after")])
    print(f"| {metric} | {threads} | {before:.1f} | {after:.1f} | {after / before:.3f} |")
PY
