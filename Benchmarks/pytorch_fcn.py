#!/usr/bin/env python3
"""Glimpse's FCN segmenter (FCN-32s, -16s or -8s on DeepConvNet) in PyTorch eager, CPU: the
reference `glimpse-bench fcn` is compared against in Benchmarks/fcn.sh.

The same network (Sources/GlimpseSegmentation/FCNNetwork.swift) loads the same safetensors file
by key, its variant taken from the file's `segmenter.variant` metadata: zero padding (`pad` rows
and columns on top and left, a size-dependent amount on bottom and right), DeepConvNet's
conv1..pool3 in colour, fc1 as a 4x4 convolution, score_fr, then per variant the fixed bilinear
transposed convolutions (upscore2, upscore_pool2, upscore) with the skip scores (score_pool2,
score_pool1) cropped and added, and the final crop to the image. The padding and the crop offsets
are recomputed here with FCNNetwork's formulas (ScoreMapGeometry: a map's cell i sits at input
coordinate scale * i + offset) and checked against the ones glimpse-bench recorded.

It first reads out/fcn-bench.safetensors (the input images, Glimpse's scores and geometry,
written by `glimpse-bench fcn --threads 1`) and checks its own scores against them (max absolute
difference <= 1e-4, or exits 1), then times the per-pixel scores of each image. Prints one JSON
object per line:
  {"impl": "pytorch", "metric": "version", "value": "..."}
  {"impl": "pytorch", "metric": "max_abs_diff_s128", "value": x}
  {"impl": "pytorch", "metric": "fcn_s128_ms", "threads": N, "median": x, "reps": r}

Usage: pytorch_fcn.py [--threads 1,2] [--reps 30] [--warmup 3]
       [--weights FILE (default: the one glimpse-bench used)] [--reference out/fcn-bench.safetensors]
"""

import argparse
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore", message=".*NumPy.*")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from pytorch_fast_rcnn import emit, read_safetensors  # noqa: E402  (the same file reader)


# The windows (kernel, stride, padding) of each stage, as FCNNetwork lists them: DeepConvNet's
# convolutions and 2x2 poolings (conv4 pads by 2), then fc1 as a 4x4 convolution and score_fr.
STAGES = [
    [("conv1", 3, 1, 1), ("conv2", 3, 1, 1), ("pool1", 2, 2, 0)],
    [("conv3", 3, 1, 1), ("conv4", 3, 1, 2), ("pool2", 2, 2, 0)],
    [("conv5", 3, 1, 1), ("conv6", 3, 1, 1), ("pool3", 2, 2, 0)],
]
HEAD = [("fc1", 4, 1, 0), ("score_fr", 1, 1, 0)]
SKIPS = {"fcn-32s": 0, "fcn-16s": 1, "fcn-8s": 2}


def through_windows(value, step):
    """`value` carried through every window by `step(value, kernel, stride, padding)`: (after score_fr, [after pool1, pool2, pool3])."""
    pools = []
    for stage in STAGES:
        for _, k, s, p in stage:
            value = step(value, k, s, p)
        pools.append(value)
    for _, k, s, p in HEAD:
        value = step(value, k, s, p)
    return value, pools


def window(geometry, kernel, stride, padding):
    """ScoreMapGeometry.window: the (scale, offset) of a convolution's or pooling's output."""
    scale, offset = geometry
    return scale * stride, offset + scale * ((kernel - 1) / 2 - padding)


def transposed(geometry, kernel, stride):
    """ScoreMapGeometry.transposed (no padding): the (scale, offset) of a transposed convolution's output."""
    scale, offset = geometry
    return scale / stride, offset + scale * (0 - (kernel - 1) / 2) / stride


def crop_offset(geometry, reference):
    """ScoreMapGeometry.cropOffset: cells to drop from `geometry` to line it up with `reference`."""
    cells = (reference[1] - geometry[1]) / geometry[0]
    assert abs(geometry[0] - reference[0]) < 1e-9 and cells >= -1e-9 and abs(cells - round(cells)) < 1e-9
    return round(cells)


def window_size(size, kernel, stride, padding):
    """MapSize.window: floor((size + 2p - k) / s) + 1, 0 when the window does not fit."""
    span = size + 2 * padding - kernel
    return 0 if span < 0 else span // stride + 1


def transposed_size(size, kernel, stride):
    """MapSize.transposed (no padding): (size - 1) * s + k."""
    return 0 if size < 1 else (size - 1) * stride + kernel


def geometry(skips):
    """FCNNetwork.geometry(_:) for a net with `skips` skips: (pool2 offset, pool1 offset, first pixel of the final map)."""
    g, pools = through_windows((1.0, 0.0), window)
    pool2_offset = pool1_offset = 0
    if skips >= 1:
        g = transposed(g, 4, 2)
        pool2_offset = crop_offset(pools[1], g)
    if skips >= 2:
        g = transposed(g, 4, 2)
        pool1_offset = crop_offset(pools[0], g)
    stride = [8, 4, 2][skips]
    final = transposed(g, 2 * stride, stride)
    assert final[0] == 1 and final[1] == round(final[1]) and final[1] >= 0
    return pool2_offset, pool1_offset, int(final[1])


class FCN:
    """Inference of the FCN with the weights `w` (PyTorch layouts, FCNNetwork's names)."""

    def __init__(self, w, variant):
        self.w, self.skips = w, SKIPS[variant]
        self.up_stride = [8, 4, 2][self.skips]
        self.up_kernel = w["upscore.weight"].shape[2]
        # FCNNetwork.geometry(_:): where pool1, pool2 and score_fr sit on the padded input, the
        # skip crops, and the input pixel the final map starts on; FCNNetwork.inputPad: the most
        # any of the three nets needs, the same for all, so the final crop is pad - first pixel.
        self.pool2_offset, self.pool1_offset, first = geometry(self.skips)
        self.pad = max(geometry(skips)[2] for skips in (0, 1, 2))
        self.output_offset = self.pad - first

    def sizes(self, side):
        """FCNNetwork.sizes(paddedSide:): (pool1, pool2, output) sides for a padded side, None when a crop does not fit."""
        side, pools = through_windows(side, window_size)
        if side < 1:
            return None
        for skip in range(self.skips):
            side = transposed_size(side, 4, 2)
            if (self.pool2_offset, self.pool1_offset)[skip] + side > pools[1 - skip]:
                return None
        return transposed_size(side, self.up_kernel, self.up_stride)

    def padding(self, side):
        """FCNNetwork.padding(side:): (before, after), the least `after` >= pad that covers the image."""
        for after in range(self.pad, self.pad + 64):
            output = self.sizes(side + self.pad + after)
            if output is not None and self.output_offset + side <= output:
                return self.pad, after
        raise SystemExit(f"pytorch_fcn.py: no padding covers a side of {side}")

    def conv(self, x, name, padding):
        return F.conv2d(x, self.w[name + ".weight"], self.w[name + ".bias"], padding=padding)

    def __call__(self, image):
        """image [N, 3, H, W] -> per-pixel scores [N, K, H, W]."""
        h, w = image.shape[2], image.shape[3]
        (top, bottom), (left, right) = self.padding(h), self.padding(w)
        x = F.pad(image, (left, right, top, bottom))
        pools = []
        for stage in STAGES:
            for name, _, _, p in stage[:2]:
                x = F.relu(self.conv(x, name, p))
            x = F.max_pool2d(x, 2)
            pools.append(x)
        scores = self.conv(F.relu(self.conv(x, "fc1", 0)), "score_fr", 0)
        for skip, (up, score, pool, o) in enumerate([("upscore2", "score_pool2", pools[1], self.pool2_offset),
                                                     ("upscore_pool2", "score_pool1", pools[0], self.pool1_offset)]):
            if skip >= self.skips:
                break
            scores = F.conv_transpose2d(scores, self.w[up + ".weight"], stride=2)
            fine = self.conv(pool, score, 0)
            scores = scores + fine[:, :, o:o + scores.shape[2], o:o + scores.shape[3]]
        scores = F.conv_transpose2d(scores, self.w["upscore.weight"], stride=self.up_stride)
        o = self.output_offset
        return scores[:, :, o:o + h, o:o + w]


def check_geometry(model, metadata, sides):
    """Exits 1 when the padding or crop offsets differ from the ones glimpse-bench recorded."""
    mine = {"pad": model.pad, "pool2_offset": model.pool2_offset, "pool1_offset": model.pool1_offset,
            "output_offset": model.output_offset}
    mine = {k: str(v) for k, v in mine.items()}
    for side in sides:
        mine[f"padding_{side}"] = "%d,%d" % model.padding(side)
    theirs = {k: metadata.get(k) for k in mine}
    if mine != theirs:
        print(f"pytorch_fcn.py: geometry differs from Glimpse's: mine {mine}, Glimpse's {theirs}", file=sys.stderr)
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--weights", default=None, help="default: the file glimpse-bench used (the reference's metadata)")
    parser.add_argument("--reference", default="out/fcn-bench.safetensors")
    args = parser.parse_args()
    emit(impl="pytorch", metric="version", value=torch.__version__)
    reference, recorded = read_safetensors(args.reference)
    path = args.weights or recorded["weights"]
    weights, metadata = read_safetensors(path)
    if metadata.get("segmenter.variant") not in SKIPS:
        raise SystemExit(f"pytorch_fcn.py: {path}: segmenter.variant {metadata.get('segmenter.variant')!r}, not one of {list(SKIPS)}")
    if recorded.get("variant") != metadata["segmenter.variant"]:
        raise SystemExit(f"pytorch_fcn.py: {path} holds {metadata['segmenter.variant']} weights, but {args.reference} was made"
                         f" from {recorded.get('variant')} weights ({recorded.get('weights')})")
    model = FCN(weights, metadata["segmenter.variant"])
    sides = sorted(int(k.split("_")[1]) for k in reference if k.startswith("image_"))
    check_geometry(model, recorded, sides)
    worst = 0.0
    with torch.no_grad():
        for side in sides:
            diff = (model(reference[f"image_{side}"]) - reference[f"scores_{side}"]).abs().max().item()
            emit(impl="pytorch", metric=f"max_abs_diff_s{side}", value=diff)
            worst = max(worst, diff)
        if worst > 1e-4:
            print(f"pytorch_fcn.py: outputs differ from Glimpse's by {worst} > 1e-4", file=sys.stderr)
            sys.exit(1)
        for threads in [int(t) for t in args.threads.split(",")]:
            torch.set_num_threads(threads)
            for side in sides:
                image = reference[f"image_{side}"]
                for _ in range(args.warmup):
                    model(image)
                times = []
                for _ in range(args.reps):
                    start = time.perf_counter()
                    model(image)
                    times.append(time.perf_counter() - start)
                emit(impl="pytorch", metric=f"fcn_s{side}_ms", threads=threads,
                     median=statistics.median(times) * 1000, reps=args.reps)


if __name__ == "__main__":
    main()
