#!/usr/bin/env bash
# Where FCN-8s loses on the scene test split, without training (docs/segmentation.md, "What
# limits FCN-8s"):
# 1. the weights through glimpse run Pipelines/segment.yaml at input scales 1, 1.5 and 2 (a copy
#    of the weights file with preprocess.input_scale set: the image enlarged before the network,
#    the scores brought back to its size before the argmax), each scored by glimpse eval
#    segmentation: mIoU, per-class IoU, and the digit pixels lost to the background, background
#    taken for digits, and digits taken for another digit (from the confusion matrix);
# 2. per digit height (the split's instances.json boxes): the IoU of the digit's class inside its
#    box, at each scale; digit pixels on a stroke's border against inner ones (scale 1);
# 3. the upper bound of each output stride: the ground truth's one-hot classes averaged over
#    s x s cells, enlarged back bilinearly, argmax (what perfect scores at stride s give), and
#    the ground truth subsampled at the cells' centres and repeated back.
# 2 and 3 read the label-map PNGs with Python's zlib and need numpy; 1 needs Python alone.
#
# usage: scripts/segmentation-analysis.sh [--data DIR] [--weights FILE] [--scales "1 1.5 2"]
#   --data: a scene split with images/, labels/ and instances.json (default runs/scenes/test, generated when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=runs/scenes/test; WEIGHTS=datasets/weights/fcn8s-scenes.safetensors; SCALES="1 1.5 2"
while [ $# -gt 0 ]; do
    case "$1" in
        --data) DATA="$2"; shift 2 ;;
        --weights) WEIGHTS="$2"; shift 2 ;;
        --scales) SCALES="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ -f "$WEIGHTS" ] || { echo "error: no $WEIGHTS" >&2; exit 1; }
scripts/setup.sh
swift build -c release --product glimpse >&2
glimpse=.build/release/glimpse
if [ ! -d "$DATA/images" ]; then
    [ "$DATA" = runs/scenes/test ] || { echo "error: $DATA has no images/ folder" >&2; exit 1; }
    "$glimpse" datasets scenes --out runs/scenes >&2
fi
OUT=runs/segmentation-analysis; rm -rf "$OUT"; mkdir -p "$OUT"
for scale in $SCALES; do
    run="$OUT/scale-$scale"
    python3 - "$WEIGHTS" "$run.safetensors" "$scale" <<'PY'
import json, struct, sys
source, target, scale = sys.argv[1:4]
data = open(source, "rb").read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n])
header["__metadata__"]["preprocess.input_scale"] = scale
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * ((8 - len(text) % 8) % 8)
open(target, "wb").write(struct.pack("<Q", len(text)) + text + data[8 + n:])
PY
    sed -e "s|^\( *weights:\).*|\1 $PWD/$run.safetensors|" -e "s|^\( *previews:\).*|\1 false|" -e "s|^\( *report:\).*|\1 false|" \
        Pipelines/segment.yaml > "$run.yaml"
    "$glimpse" run "$run.yaml" "$DATA/images" --output "$run" --jobs 1 --quiet
    mkdir -p "$run.pred"
    while IFS= read -r mask; do cp "$mask" "$run.pred/$(basename "$mask" .mask.png).png"; done < <(find "$run" -name '*.mask.png')
    "$glimpse" eval segmentation --gt "$DATA/labels" --pred "$run.pred" --json "$run.eval.json" > /dev/null
    python3 - "$run.eval.json" "$scale" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
rows = report["confusion_matrix"]["rows"]
m = report["metrics"]
digits = sum(sum(r) for r in rows[1:])
lost = sum(r[0] for r in rows[1:])
taken = sum(rows[0][1:])
swapped = sum(sum(v for p, v in enumerate(r) if p not in (0, g)) for g, r in enumerate(rows) if g > 0)
iou = [c.get("iou") for c in m["classes"]]
print(f"input scale {sys.argv[2]}: pixel acc {m['pixel_accuracy']:.4f} mean acc {m['mean_class_accuracy']:.4f} mIoU {m['mean_iou']:.4f}")
print("  per-class IoU (background, 0-9): " + " ".join("-" if v is None else f"{v:.3f}" for v in iou))
print(f"  of {digits} digit pixels: {lost / digits:.3f} predicted background, {swapped / digits:.3f} another digit;"
      f" background predicted as a digit: {taken / digits:.3f} of the digit pixels' count")
PY
done
python3 - "$DATA" "$OUT" $SCALES <<'PY'
import json, os, struct, sys, zlib
try:
    import numpy as np
except ImportError:
    print("(numpy missing: per-height IoU and stride bounds skipped)"); sys.exit(0)
data, out, scales = sys.argv[1], sys.argv[2], sys.argv[3:]

def read_png(path):
    """The 8-bit gray or palette PNG at path as [H, W] uint8 (its indices)."""
    blob = open(path, "rb").read()
    i, idat = 8, b""
    while i < len(blob):
        (n,) = struct.unpack(">I", blob[i:i + 4]); kind = blob[i + 4:i + 8]; chunk = blob[i + 8:i + 8 + n]; i += 12 + n
        if kind == b"IHDR": w, h, depth, colour = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT": idat += chunk
    assert depth == 8 and colour in (0, 3), f"{path}: not an 8-bit gray or palette PNG"
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, w + 1).astype(np.int32)
    rows, prev = [], np.zeros(w, np.int32)
    for y in range(h):
        f, line = raw[y, 0], raw[y, 1:]
        if f == 0: cur = line
        elif f == 2: cur = (line + prev) & 255
        else:
            cur = np.zeros(w, np.int32)
            for x in range(w):
                a = cur[x - 1] if x else 0; b = prev[x]; c = prev[x - 1] if x else 0
                if f == 1: p = a
                elif f == 3: p = (a + b) // 2
                else:
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (line[x] + p) & 255
        rows.append(cur); prev = cur
    return np.array(rows, np.uint8)

names = sorted(f for f in os.listdir(os.path.join(data, "labels")) if f.endswith(".png"))
gt = {n: read_png(os.path.join(data, "labels", n)) for n in names}
K = 11
def miou(pairs):
    c = np.zeros((K, K), np.int64)
    for g, p in pairs:
        keep = g != 255
        c += np.bincount(g[keep].astype(int) * K + p[keep].astype(int), minlength=K * K).reshape(K, K)
    tp = np.diag(c); union = c.sum(0) + c.sum(1) - tp
    return np.nanmean(np.where(union > 0, tp / np.maximum(union, 1), np.nan))

instances = json.load(open(os.path.join(data, "instances.json")))
files = {im["id"]: os.path.basename(im["file_name"]) for im in instances["images"]}
bins = [(0, 10), (10, 15), (15, 20), (20, 25), (25, 1000)]
print("IoU of each digit's class inside its box, by digit height (px):")
print("  scale | " + " | ".join(f"{lo}-{hi - 1}" if hi < 1000 else f">={lo}" for lo, hi in bins))
for scale in scales:
    pred = {n: read_png(os.path.join(out, f"scale-{scale}.pred", n)) for n in names}
    sums = {b: [0, 0, 0] for b in bins}
    for a in instances["annotations"]:
        n = files[a["image_id"]]; x, y, w, h = (int(round(v)) for v in a["bbox"]); c = a["category_id"]
        g, p = gt[n][y:y + h, x:x + w], pred[n][y:y + h, x:x + w]
        keep = g != 255; gi, pi = (g == c) & keep, (p == c) & keep
        b = next(b for b in bins if b[0] <= h < b[1])
        sums[b][0] += int((gi & pi).sum()); sums[b][1] += int((gi | pi).sum()); sums[b][2] += 1
    print(f"  {scale} | " + " | ".join(f"{s[0] / max(s[1], 1):.3f} ({s[2]})" for s in sums.values()))
    if scale == scales[0]:
        border, inner = [0, 0], [0, 0]
        for n in names:
            g, p = gt[n], pred[n]; digit = (g != 0) & (g != 255)
            pad = np.pad(g, 1); same = np.ones_like(digit)
            for dy, dx in ((0, 1), (2, 1), (1, 0), (1, 2)): same &= pad[dy:dy + g.shape[0], dx:dx + g.shape[1]] == g
            for part, mask in ((border, digit & ~same), (inner, digit & same)):
                part[0] += int((mask & (p == g)).sum()); part[1] += int(mask.sum())
        print(f"  (scale {scale}) digit pixels on a stroke's border: {border[1]}, recall {border[0] / border[1]:.3f};"
              f" inner: {inner[1]}, recall {inner[0] / inner[1]:.3f}")
print("Upper bound of each output stride (ground truth at stride s and back), mIoU:")
for s in (2, 4, 8):
    pooled, nearest = [], []
    for n in names:
        g = gt[n]; H, W = g.shape; h, w = H // s, W // s
        onehot = np.stack([(g == k) for k in range(K)]).astype(np.float32)[:, :h * s, :w * s]
        cells = onehot.reshape(K, h, s, w, s).mean((2, 4))
        def axis(n_out, n_in):
            pos = np.clip((np.arange(n_out) + 0.5) / s - 0.5, 0, n_in - 1); i0 = np.floor(pos).astype(int)
            return i0, np.minimum(i0 + 1, n_in - 1), (pos - i0).astype(np.float32)
        y0, y1, fy = axis(H, h); x0, x1, fx = axis(W, w)
        rows = cells[:, y0] * (1 - fy)[None, :, None] + cells[:, y1] * fy[None, :, None]
        up = rows[:, :, x0] * (1 - fx)[None, None, :] + rows[:, :, x1] * fx[None, None, :]
        pooled.append((g, up.argmax(0).astype(np.uint8)))
        sub = g[s // 2::s, s // 2::s]
        back = np.repeat(np.repeat(sub, s, 0), s, 1)[:H, :W]
        nearest.append((g, np.where(back == 255, 0, back)))
    print(f"  stride {s}: cells averaged, bilinear back {miou(pooled):.4f}; centres subsampled {miou(nearest):.4f}")
PY
