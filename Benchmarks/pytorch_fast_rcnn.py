#!/usr/bin/env python3
"""The shipped Fast R-CNN scene detector in PyTorch eager, CPU: the reference Glimpse's
`glimpse-bench fast-rcnn` is compared against in Benchmarks/fast-rcnn.sh.

The same architecture (DeepConvNet conv1..pool3 in colour, RoI max pooling 4x4 with
caffe-fast-rcnn's arithmetic, fc1, softmax cls_score, bbox_pred) loads the same safetensors file
by key. It first reads out/fast-rcnn-bench.safetensors (the input image, the RoIs and Glimpse's
outputs, written by `glimpse-bench fast-rcnn --threads 1`) and checks its own outputs against
them (max absolute difference <= 1e-4, or exits 1), then times one image's inference per RoI
count. Prints one JSON object per line:
  {"impl": "pytorch", "metric": "version", "value": "..."}
  {"impl": "pytorch", "metric": "max_abs_diff_r400", "value": x}
  {"impl": "pytorch", "metric": "fast_rcnn_r400_ms", "threads": N, "median": x, "reps": r}

torchvision is not installed here, so RoI pooling is one `adaptive_max_pool2d` per RoI on a
crop of the feature map padded with -inf (the adaptive bins are caffe's floor/ceil bins; a bin
wholly outside the map is -inf, set to 0 as caffe's empty bins are).

Usage: pytorch_fast_rcnn.py [--threads 1,2] [--reps 30] [--warmup 3]
       [--weights datasets/weights/fast-rcnn-scenes.safetensors] [--reference out/fast-rcnn-bench.safetensors]
"""

import argparse
import json
import statistics
import struct
import sys
import time
import warnings

warnings.filterwarnings("ignore", message=".*NumPy.*")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def emit(**fields):
    print(json.dumps(fields), flush=True)


def read_safetensors(path):
    """(name -> float32 tensor, metadata) of a safetensors file (F32 only), without numpy or the safetensors package."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {entry['dtype']}, expected F32")
        start, end = entry["data_offsets"]
        flat = torch.frombuffer(bytearray(data[base + start:base + end]), dtype=torch.float32)
        tensors[name] = flat.reshape(entry["shape"]) if entry["shape"] else flat
    return tensors, header.get("__metadata__", {})


class FastRCNN:
    """Inference of the Fast R-CNN network with the weights `w` (PyTorch layouts)."""

    TRUNK = [("conv1", 1), ("conv2", 1), "pool", ("conv3", 1), ("conv4", 2), "pool", ("conv5", 1), ("conv6", 1), "pool"]

    def __init__(self, w, input_size, feature_layer="pool3", pool=4):
        """`feature_layer`: pool3 (the whole trunk) or relu6 (conv6's output, before the last pooling)."""
        self.w, self.pool = w, pool
        self.layers = self.TRUNK if feature_layer == "pool3" else self.TRUNK[:-1]
        side = self.trunk(torch.zeros(1, 3, input_size, input_size)).shape[3]
        self.scale = torch.tensor(side / input_size, dtype=torch.float32)

    def trunk(self, x):
        for layer in self.layers:
            if layer == "pool":
                x = F.max_pool2d(x, 2)
            else:
                name, pad = layer
                x = F.relu(F.conv2d(x, self.w[name + ".weight"], self.w[name + ".bias"], padding=pad))
        return x

    def roi_pool(self, features, rois):
        """features [1, C, H, W], rois [R, 5] -> [R, C, P, P] with caffe's RoIPool arithmetic."""
        _, c, h, w = features.shape
        p = self.pool
        # Scaled corners, rounded half away from zero (all non-negative here), in float32 as caffe.
        corners = torch.floor(rois[:, 1:5] * self.scale + 0.5).to(torch.int64).tolist()
        margin = max(h, w) + 2
        padded = F.pad(features[0], (margin, margin, margin, margin), value=float("-inf"))
        out = []
        for x1, y1, x2, y2 in corners:
            rh, rw = max(y2 - y1 + 1, 1), max(x2 - x1 + 1, 1)
            crop = padded[:, y1 + margin:y1 + margin + rh, x1 + margin:x1 + margin + rw]
            out.append(F.adaptive_max_pool2d(crop, p))
        pooled = torch.stack(out)
        return pooled.masked_fill(torch.isinf(pooled), 0.0)

    def __call__(self, image, rois):
        hidden = F.relu(F.linear(self.roi_pool(self.trunk(image), rois).flatten(1), self.w["fc1.weight"], self.w["fc1.bias"]))
        scores = F.linear(hidden, self.w["cls_score.weight"], self.w["cls_score.bias"])
        deltas = F.linear(hidden, self.w["bbox_pred.weight"], self.w["bbox_pred.bias"])
        return torch.softmax(scores, dim=1), deltas


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--weights", default="datasets/weights/fast-rcnn-scenes.safetensors")
    parser.add_argument("--reference", default="out/fast-rcnn-bench.safetensors")
    args = parser.parse_args()
    emit(impl="pytorch", metric="version", value=torch.__version__)
    reference, _ = read_safetensors(args.reference)
    image = reference["image"]
    weights, metadata = read_safetensors(args.weights)
    model = FastRCNN(weights, input_size=image.shape[3], feature_layer=metadata.get("train.feature_layer", "pool3"))
    counts = sorted(int(k.split("_")[1]) for k in reference if k.startswith("rois_"))
    worst = 0.0
    with torch.no_grad():
        for count in counts:
            rois = reference[f"rois_{count}"]
            probabilities, deltas = model(image, rois)
            diff = max((probabilities - reference[f"probabilities_{count}"]).abs().max().item(),
                       (deltas - reference[f"deltas_{count}"]).abs().max().item())
            emit(impl="pytorch", metric=f"max_abs_diff_r{count}", value=diff)
            worst = max(worst, diff)
        if worst > 1e-4:
            print(f"pytorch_fast_rcnn.py: outputs differ from Glimpse's by {worst} > 1e-4", file=sys.stderr)
            sys.exit(1)
        for threads in [int(t) for t in args.threads.split(",")]:
            torch.set_num_threads(threads)
            for count in counts:
                rois = reference[f"rois_{count}"]
                for _ in range(args.warmup):
                    model(image, rois)
                times = []
                for _ in range(args.reps):
                    start = time.perf_counter()
                    model(image, rois)
                    times.append(time.perf_counter() - start)
                emit(impl="pytorch", metric=f"fast_rcnn_r{count}_ms", threads=threads,
                     median=statistics.median(times) * 1000, reps=args.reps)


if __name__ == "__main__":
    main()
