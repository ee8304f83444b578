"""Compares Glimpse's `mtcnn` faces with facenet-pytorch's (Benchmarks/pytorch_mtcnn.py output).

Usage: python3 mtcnn_compare.py REFERENCE.json GLIMPSE_OUTPUT_DIR [--tolerance 2]
Each reference face is matched to the Glimpse face whose box corners are closest (largest
corner difference); a face is at parity when that difference and every landmark's (x and y)
are within the tolerance in pixels. Prints one line per image and a total; exits 1 when a face
is missing, extra or beyond the tolerance. Plain Python (no numpy), so it runs anywhere.
"""
import json, os, sys


def glimpse_results(folder):
    found = {}
    for base, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".json") and not name.startswith("boxes."):
                with open(os.path.join(base, name)) as f:
                    data = json.load(f)
                if isinstance(data, dict) and "input" in data:
                    found[os.path.realpath(data["input"])] = data
    return found


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    tolerance = float(sys.argv[sys.argv.index("--tolerance") + 1]) if "--tolerance" in sys.argv else 2.0
    if "--tolerance" in sys.argv:
        args.remove(sys.argv[sys.argv.index("--tolerance") + 1])
    reference = json.load(open(args[0]))["images"]
    ours = glimpse_results(args[1])
    worst_box = worst_point = 0.0
    total = matched = failures = 0
    print(f"{'image':28} {'ref':>4} {'ours':>4} {'box px':>8} {'landmark px':>12}")
    for path, ref in reference.items():
        mine = ours.get(os.path.realpath(path))
        detections = (mine or {}).get("detections", [])
        boxes = [[d["x0"], d["y0"], d["x1"], d["y1"]] for d in detections]
        points = [d.get("landmarks", []) for d in detections]
        used, image_box, image_point, bad = set(), 0.0, 0.0, 0
        for box, marks in zip(ref["boxes"], ref["landmarks"]):
            total += 1
            candidates = [(max(abs(a - b) for a, b in zip(box[:4], other)), k) for k, other in enumerate(boxes) if k not in used]
            if not candidates:
                bad += 1
                continue
            diff, k = min(candidates)
            used.add(k)
            point_diff = max((abs(a - b) for m, o in zip(marks, points[k]) for a, b in zip(m, o)), default=float("inf"))
            image_box, image_point = max(image_box, diff), max(image_point, point_diff)
            if diff <= tolerance and point_diff <= tolerance:
                matched += 1
            else:
                bad += 1
        bad += len(boxes) - len(used)
        failures += bad
        worst_box, worst_point = max(worst_box, image_box), max(worst_point, image_point)
        print(f"{os.path.basename(path):28} {len(ref['boxes']):4} {len(boxes):4} {image_box:8.4f} {image_point:12.4f}"
              + ("" if bad == 0 else f"  {bad} face(s) off"))
    print(f"total: {matched}/{total} reference faces within {tolerance:g} px, {failures} missing, extra or off; "
          f"largest box corner difference {worst_box:.4f} px, landmark {worst_point:.4f} px")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
