"""OpenCV's selective search (opencv-contrib ximgproc) on image files, the peer of `glimpse propose`.

Usage: opencv_propose.py --mode single|fast|quality [--out DIR] [--max N] [--seed S] IMAGE...
Prints, per image to stderr, the same timing line as `glimpse propose --timing`: seconds for
setBaseImage + switchTo... + process (colour conversions included, decoding excluded), the
number of proposals and the process's peak resident memory. --out writes DIR/<stem>.txt with
one `x y w h` line per proposal in OpenCV's order (best first).

OpenCV's ranking draws from a generator inside the module that cv2.setRNGSeed does not reach
and that carries over from image to image within a process (an image's order depends on the
images before it). --seed S draws a different ranking by running selective search S times on a
fixed 32x32 noise image first, which advances that generator; S = 0 (the default) leaves it as
the process starts.
"""
import argparse
import os
import resource
import sys
import time

import cv2
import numpy as np

SWITCH = {"single": "switchToSingleStrategy", "fast": "switchToSelectiveSearchFast",
          "quality": "switchToSelectiveSearchQuality"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="fast", choices=SWITCH)
    parser.add_argument("--out")
    parser.add_argument("--max", type=int, default=0, help="keep the first N (0: all)")
    parser.add_argument("--seed", type=int, default=0, help="advance OpenCV's generator S runs first (see above)")
    parser.add_argument("images", nargs="+")
    args = parser.parse_args()
    cv2.setNumThreads(1)  # its selective search is single-threaded; keep helpers off the second core
    if args.seed > 0:
        noise = np.random.default_rng(12345).integers(0, 256, (32, 32, 3), dtype=np.uint8)
        for _ in range(args.seed):
            ss = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
            ss.setBaseImage(noise)
            getattr(ss, SWITCH[args.mode])()
            ss.process()
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    for path in args.images:
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            print(f"error: {path}: cannot read", file=sys.stderr)
            sys.exit(1)
        start = time.perf_counter()
        ss = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
        ss.setBaseImage(image)
        getattr(ss, SWITCH[args.mode])()
        rects = ss.process()
        seconds = time.perf_counter() - start
        if args.max > 0:
            rects = rects[:args.max]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        h, w = image.shape[:2]
        print(f"{path} {w}x{h} {args.mode} threads 1: {seconds:.4f} s, {len(rects)} proposals, peak RSS {peak:.1f} MB",
              file=sys.stderr)
        if args.out:
            stem = os.path.splitext(os.path.basename(path))[0]
            with open(os.path.join(args.out, stem + ".txt"), "w") as f:
                for x, y, rw, rh in rects:
                    f.write(f"{x} {y} {rw} {rh}\n")


if __name__ == "__main__":
    main()
