"""facenet-pytorch 2.6.0's MTCNN (the reference) on images, for parity and speed.

facenet-pytorch imports torchvision for two things only: `torchvision.ops.boxes.batched_nms`
(P-Net's and R-Net's NMS) and `torchvision.transforms.functional` (used by `extract_face`,
which detection does not call). torchvision's wheels do not load against the CPU torch build
here, so this file registers a small stand-in module before importing facenet-pytorch:
`batched_nms` with torchvision's semantics (per index, boxes by decreasing score, stable on
ties; IoU with areas (x2 - x1)(y2 - y1); a box goes when its IoU with a kept one is above the
threshold; kept indices by decreasing score).

Usage: python pytorch_mtcnn.py --package DIR [--repeat N] [--threads T] IMAGE... > out.json
DIR is the unpacked facenet_pytorch-2.6.0 wheel (scripts/mtcnn-parity.sh makes it). Prints one
JSON object: per image the boxes [x1, y1, x2, y2, score] and landmarks [[x, y] x 5] exactly as
`detect_face` returns them, and with --repeat the median seconds per image.
"""
import argparse, json, sys, time, types

import numpy as np
import torch
from PIL import Image


def batched_nms(boxes, scores, idxs, iou_threshold):
    keep_all = []
    for group in torch.unique(idxs).tolist():
        members = torch.nonzero(idxs == group).flatten()
        b, s = boxes[members], scores[members]
        order = torch.sort(s, descending=True, stable=True).indices
        x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
        areas = (x2 - x1) * (y2 - y1)
        suppressed = torch.zeros(len(order), dtype=torch.bool)
        keep = []
        for oi in range(len(order)):
            i = order[oi]
            if suppressed[i]:
                continue
            keep.append(int(i))
            rest = order[oi + 1:]
            if len(rest) == 0:
                continue
            iw = (torch.minimum(x2[i], x2[rest]) - torch.maximum(x1[i], x1[rest])).clamp(min=0)
            ih = (torch.minimum(y2[i], y2[rest]) - torch.maximum(y1[i], y1[rest])).clamp(min=0)
            inter = iw * ih
            iou = inter / (areas[i] + areas[rest] - inter)
            suppressed[rest[iou > iou_threshold]] = True
        keep_all += [int(members[k]) for k in keep]
    keep_all = torch.tensor(keep_all, dtype=torch.long)
    if len(keep_all) == 0:
        return keep_all
    return keep_all[torch.sort(scores[keep_all], descending=True, stable=True).indices]


def install_torchvision_stand_in():
    tv = types.ModuleType("torchvision")
    ops = types.ModuleType("torchvision.ops")
    ops_boxes = types.ModuleType("torchvision.ops.boxes")
    ops_boxes.batched_nms = batched_nms
    transforms = types.ModuleType("torchvision.transforms")
    functional = types.ModuleType("torchvision.transforms.functional")

    def to_tensor(pic):  # extract_face only; detection never calls it
        return torch.from_numpy(np.asarray(pic, dtype=np.float32)).permute(2, 0, 1) / 255

    functional.to_tensor = to_tensor
    tv.ops, ops.boxes, tv.transforms, transforms.functional = ops, ops_boxes, transforms, functional
    for name, module in [("torchvision", tv), ("torchvision.ops", ops), ("torchvision.ops.boxes", ops_boxes),
                         ("torchvision.transforms", transforms), ("torchvision.transforms.functional", functional)]:
        sys.modules[name] = module


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--package", required=True, help="the unpacked facenet_pytorch-2.6.0 wheel")
    parser.add_argument("--repeat", type=int, default=0, help="time this many runs per image (after one warm-up)")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("images", nargs="+")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    install_torchvision_stand_in()
    # the package's __init__ also imports InceptionResnetV1 (and requests); only the MTCNN modules are needed
    package = types.ModuleType("facenet_pytorch")
    package.__path__ = [args.package.rstrip("/") + "/facenet_pytorch"]
    sys.modules["facenet_pytorch"] = package
    from facenet_pytorch.models.mtcnn import PNet, RNet, ONet
    from facenet_pytorch.models.utils.detect_face import detect_face

    pnet, rnet, onet = PNet().eval(), RNet().eval(), ONet().eval()
    result = {"reference": "facenet-pytorch 2.6.0 detect_face(minsize=20, thresholds=[0.6, 0.7, 0.7], factor=0.709)",
              "torch": torch.__version__, "threads": torch.get_num_threads(), "images": {}}
    for path in args.images:
        image = Image.open(path).convert("RGB")

        def run():
            with torch.no_grad():
                try:
                    return detect_face([image], 20, pnet, rnet, onet, [0.6, 0.7, 0.7], 0.709, "cpu")
                except (RuntimeError, ValueError) as error:  # torch.cat of no levels or crops: no empty-stage guard
                    if "non-empty" in str(error):
                        return np.zeros((1, 0, 5)), np.zeros((1, 0, 5, 2))
                    raise
        boxes, points = run()
        entry = {"boxes": np.asarray(boxes[0], dtype=np.float64).reshape(-1, 5).tolist(),
                 "landmarks": np.asarray(points[0], dtype=np.float64).reshape(-1, 5, 2).tolist()}
        if args.repeat:
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                run()
                times.append(time.perf_counter() - start)
            entry["seconds"] = float(np.median(times))
        result["images"][path] = entry
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
