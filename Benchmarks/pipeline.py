#!/usr/bin/env python3
"""Throughput and peak memory of `glimpse run` (never run by the tests or CI).

Copies the sample photos (datasets/samples/*.png, *.jpg except the masks) into a temporary
folder N times over, runs `.build/release/glimpse run PIPELINE DIR -o OUT --quiet --jobs J`
under /usr/bin/time -v, and prints images/s, peak resident memory and the share of time per
stage (summed from the ledger's per-stage milliseconds). Build first:
`swift build -c release --product glimpse`. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which these
machines export and which halve OpenBLAS's speed here, are unset for the measured runs only.

  python3 Benchmarks/pipeline.py --pipeline Pipelines/classify.yaml --images 64 --jobs 1 2
  python3 Benchmarks/pipeline.py --pipeline Pipelines/classify.yaml --images 100 1000 --jobs 2

`--glimpse A B` measures several builds (or one build with different arguments:
`PATH,--batch,8` adds `--batch 8` to its runs) side by side on the same copies (for example a
worktree of the previous commit, built the same way), alternating them so both see the same
machine; `--pipeline P Q` gives each its own pipeline file (an older build reads an older
format); `--repeat R` runs each R times and prints the median row. `--input DIR` runs on the
images of DIR instead of copies of the samples (`--images` is then ignored: all of DIR's images), e.g.
the 500 generated test scenes:

  python3 Benchmarks/pipeline.py --input /tmp/sc/test/images --pipeline Pipelines/scenes-fast.yaml --jobs 2
"""
import argparse, json, os, re, shutil, subprocess, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
environment = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
parser = argparse.ArgumentParser()
parser.add_argument("--pipeline", nargs="+", default=["Pipelines/classify.yaml"],
                    help="one pipeline file, or one per --glimpse binary (an older build may need its own)")
parser.add_argument("--images", type=int, nargs="+", default=[64])
parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
parser.add_argument("--glimpse", nargs="+", default=[os.path.join(root, ".build/release/glimpse")],
                    help="glimpse binaries to compare (default: this checkout's release build)")
parser.add_argument("--repeat", type=int, default=1, help="runs per row; the median by seconds is printed")
parser.add_argument("--input", help="a folder of images to run on instead of copies of the samples (--images ignored)")
args = parser.parse_args()
if len(args.pipeline) == 1:
    args.pipeline = args.pipeline * len(args.glimpse)
assert len(args.pipeline) == len(args.glimpse), "give one pipeline, or one per --glimpse binary"
pipelines = dict(zip(args.glimpse, args.pipeline))

samples = [] if args.input else sorted(f for f in os.listdir(os.path.join(root, "datasets/samples"))
                 if f.endswith((".png", ".jpg")) and "mask" not in f)
print(f"pipeline {', '.join(args.pipeline)}; {'input ' + args.input if args.input else 'samples ' + ', '.join(samples)}; "
      "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset")
print("| binary | images | jobs | seconds | images/s | peak RSS MiB | time per stage |")
print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")


def measure(binary, work, count, jobs, run, images):
    """One run: (seconds, peak RSS MiB, per-stage milliseconds summed over the ledger)."""
    out = os.path.join(work, f"out-{jobs}-{run}")
    start = time.monotonic()
    path, *extra = binary.split(",")  # PATH,ARG,ARG...: extra `glimpse run` arguments (--batch,8)
    result = subprocess.run(["/usr/bin/time", "-v", path, "run",
                             os.path.join(root, pipelines[binary]), images, "-o", out,
                             "--quiet", "--jobs", str(jobs)] + extra, capture_output=True, text=True, env=environment)
    seconds = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
    totals = {}
    for line in open(os.path.join(out, "ledger.jsonl")):
        for stage, ms in json.loads(line)["timings"].items():
            totals[stage] = totals.get(stage, 0) + ms
    shutil.rmtree(out)
    return seconds, rss, totals


if args.input:
    args.images = [sum(1 for _, _, files in os.walk(args.input) for f in files
                       if f.lower().endswith((".png", ".jpg", ".jpeg")))]
for count in args.images:
    work = tempfile.mkdtemp(prefix="glimpse-bench-")
    images = os.path.abspath(args.input) if args.input else os.path.join(work, "in")
    try:
        for i in range(0 if args.input else count):
            name = samples[i % len(samples)]
            folder = os.path.join(work, "in", str(i // 100))
            os.makedirs(folder, exist_ok=True)
            shutil.copy(os.path.join(root, "datasets/samples", name), os.path.join(folder, f"{i}-{name}"))
        for jobs in args.jobs:
            runs = {binary: [] for binary in args.glimpse}
            for run in range(args.repeat):
                for binary in args.glimpse:
                    runs[binary].append(measure(binary, work, count, jobs, run, images))
            for binary in args.glimpse:
                seconds, rss, totals = sorted(runs[binary], key=lambda r: r[0])[len(runs[binary]) // 2]
                whole = sum(totals.values())
                shares = ", ".join(f"{s} {100 * v / whole:.0f}% ({v / count:.0f} ms)"
                                   for s, v in sorted(totals.items(), key=lambda kv: -kv[1]))
                label = " ".join([os.path.relpath(binary.split(",")[0], root)] + binary.split(",")[1:])
                print(f"| {label} | {count} | {jobs} | {seconds:.1f} | {count / seconds:.1f} | {rss:.0f} | {shares} |", flush=True)
    finally:
        shutil.rmtree(work)
