"""Drives the speed comparison of Benchmarks/proposals/run.sh: resizes the images to each long
side, runs glimpse (1 and 2 threads) and OpenCV alternately, one process per measurement, and
prints a table of medians. Arguments: GLIMPSE_BINARY REPS SIDES IMAGES..."""
import os
import re
import statistics
import subprocess
import sys

import cv2

glimpse, reps, sides, images = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3].split(",")], sys.argv[4:]
here = os.path.dirname(os.path.abspath(__file__))
work = os.path.join(os.getcwd(), ".build-bench-proposals", "images")
os.makedirs(work, exist_ok=True)
LINE = re.compile(r": ([0-9.]+) s, (\d+) proposals, peak RSS ([0-9.]+) MB")

resized = {}
for side in sides:
    for path in images:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        h, w = img.shape[:2]
        scale = side / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        out = cv2.resize(img, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        name = os.path.join(work, f"{os.path.splitext(os.path.basename(path))[0]}-{side}.png")
        cv2.imwrite(name, out)
        resized.setdefault(side, []).append((name, size[0] * size[1]))


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    m = LINE.search(result.stderr)
    if result.returncode != 0 or not m:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stderr}")
    return float(m.group(1)), int(m.group(2)), float(m.group(3))


impls = {
    "glimpse 1 thread": lambda f, mode: ["taskset", "-c", "0", glimpse, "propose", f, "--mode", mode, "--max", "100000",
                                         "--threads", "1", "--timing", "--out", os.path.join(work, "..", "g")],
    "glimpse 2 threads": lambda f, mode: ["taskset", "-c", "0,1", glimpse, "propose", f, "--mode", mode, "--max", "100000",
                                          "--threads", "2", "--timing", "--out", os.path.join(work, "..", "g")],
    "OpenCV 1 thread": lambda f, mode: ["taskset", "-c", "0", sys.executable, os.path.join(here, "opencv_propose.py"),
                                        "--mode", mode, f],
}
results = {}
for rep in range(reps):
    for side in sides:
        for mode in ["single", "fast", "quality"]:
            for f, pixels in resized[side]:
                for name, make in impls.items():  # alternate implementations on the same image
                    results.setdefault((side, mode, name), []).append(run(make(f, mode)) + (pixels,))
        print(f"rep {rep + 1}/{reps}: {side} px done", file=sys.stderr, flush=True)

print(f"\nimages: {', '.join(os.path.basename(p) for p in images)}; long sides {sides}; {reps} reps; medians over images x reps")
print(f"{'side':>5} {'mode':8} {'implementation':18} {'s/image':>9} {'us/pixel':>9} {'proposals':>9} {'peak MB':>8} {'OpenCV/this':>11}")
for side in sides:
    for mode in ["single", "fast", "quality"]:
        cv = statistics.median(r[0] for r in results[(side, mode, "OpenCV 1 thread")])
        for name in impls:
            rows = results[(side, mode, name)]
            sec = statistics.median(r[0] for r in rows)
            per_pixel = statistics.median(r[0] / r[3] * 1e6 for r in rows)
            props = statistics.median(r[1] for r in rows)
            mem = max(r[2] for r in rows)
            print(f"{side:>5} {mode:8} {name:18} {sec:9.4f} {per_pixel:9.3f} {props:9.0f} {mem:8.1f} {cv / sec:10.2f}x")
