#!/usr/bin/env bash
# scripts/captioning-compare.sh: the captioning table of the README on a scene split's test
# images, through the product path: each captioner runs as `glimpse run` over the images
# (Pipelines/caption.yaml with its weights, beam and precision swapped), then `glimpse eval
# captions --without-first --scenes` scores its captions.jsonl against every reference but the
# first (the references the human-agreement bar uses) and judges each caption true or not.
# Rows: NIC at beam 1, 3 and 5, NIC beam 3 in Float16, the image-as-initial-state ablation, the
# plain RNN, nearest-neighbour, and the human bar (each image's first reference); then the shipped
# every-step NIC (the image beside every word, features scaled to RMS 1; docs/captioning.md) at
# beam 1, 3 and 5 and in Float16.
#
# The ablations and the nearest-neighbour index are trained here with the shipped NIC's recipe
# (the recipe is read from its weights file); pass --skip-training to reuse them from OUT.
#
# usage: scripts/captioning-compare.sh [--data /tmp/scenes] [--out out/captioning] [--skip-training]
# (--data: a scene set with train, val and test splits: glimpse datasets scenes --out DIR)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA=/tmp/scenes; OUT=out/captioning; TRAIN=1
while [ $# -gt 0 ]; do
    case "$1" in
        --data) DATA="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --skip-training) TRAIN=0; shift ;;
        *) echo "captioning-compare.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -f "$DATA/test/captions.json" ] || { echo "captioning-compare.sh: no $DATA/test/captions.json (glimpse datasets scenes --out $DATA)" >&2; exit 1; }
swift build -c release --product glimpse >&2
glimpse="$(swift build -c release --show-bin-path)/glimpse"
NIC=datasets/weights/nic-scenes.safetensors
EVERY=datasets/weights/nic-every-step-scenes.safetensors
mkdir -p "$OUT"
# The shipped file's recipe: epochs, sizes and rates for the ablations.
recipe() { python3 - "$NIC" "$1" <<'PY'
import json, struct, sys
f = open(sys.argv[1], 'rb'); n = struct.unpack('<Q', f.read(8))[0]
print(json.loads(f.read(n))['__metadata__'][sys.argv[2]])
PY
}
common=(--data "$DATA" --epochs "$(recipe train.epochs)" --embedding "$(recipe train.embedding)" --hidden "$(recipe train.hidden)"
        --grid "$(recipe train.grid)" --learning-rate "$(recipe train.learning_rate)" --batch-size "$(recipe train.batch_size)"
        --dropout "$(recipe train.dropout)" --seed "$(recipe train.seed)" --quiet)
if [ "$TRAIN" = 1 ]; then
    "$glimpse" train captioner "${common[@]}" --feeding initial-state --output "$OUT/nic-initial-state.safetensors" >&2
    "$glimpse" train captioner "${common[@]}" --cell rnn --output "$OUT/nic-rnn.safetensors" >&2
    "$glimpse" train captioner --data "$DATA" --method nearest-neighbour --grid "$(recipe train.grid)" --quiet \
        --output "$OUT/nearest-neighbour.safetensors" >&2
fi
results="$OUT/results.txt"; : > "$results"
score() {  # label captions.jsonl
    "$glimpse" eval captions --gt "$DATA/test/captions.json" --pred "$2" --without-first --scenes "$DATA/test/instances.json" \
        --json "$2.eval.json" > /dev/null
    python3 - "$2.eval.json" "$1" >> "$results" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
m = e['scores']; t = e['truth']
print('| %s | %s | %.4f | %.4f | %.1f%% |' % (sys.argv[2], ' | '.join('%.4f' % m[k] for k in ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4']),
                                          m['ROUGE-L'], m['CIDEr-D'], 100 * t['share']))
PY
}
for row in "NIC beam 1|nic|$NIC|1|false" "NIC beam 3|nic|$NIC|3|false" "NIC beam 5|nic|$NIC|5|false" \
           "NIC beam 3, Float16|nic|$NIC|3|true" "image as initial state, beam 3|nic|$OUT/nic-initial-state.safetensors|3|false" \
           "plain RNN, beam 3|nic|$OUT/nic-rnn.safetensors|3|false" \
           "nearest-neighbour|nearest-neighbour|$OUT/nearest-neighbour.safetensors|1|false" \
           "every-step NIC, beam 1|nic|$EVERY|1|false" "every-step NIC, beam 3|nic|$EVERY|3|false" \
           "every-step NIC, beam 5|nic|$EVERY|5|false" "every-step NIC, beam 3, Float16|nic|$EVERY|3|true"; do
    IFS='|' read -r label use weights beam half <<< "$row"
    run="$OUT/$(echo "$label" | tr ' ,' '--')"
    if [ "$use" = nic ]; then
        sed -e "s|^\( *weights:\).*|\1 $weights|" -e "s|^\( *beam:\).*|\1 $beam|" -e "s|^\( *half_precision:\).*|\1 $half|" \
            -e "s|^\( *previews:\).*|\1 false|" -e "s|^\( *report:\).*|\1 false|" Pipelines/caption.yaml > "$run.yaml"
    else
        printf 'name: nn\nstages:\n  decoder:\n    use: image-file\n  captioner:\n    use: nearest-neighbour\n    weights: %s\noutputs:\n  previews: false\n  report: false\n' "$weights" > "$run.yaml"
    fi
    echo "$label" >&2
    "$glimpse" run "$run.yaml" "$DATA/test/images" --output "$run" --quiet
    score "$label" "$run/captions.jsonl"
done
# The human bar: each image's first reference as the candidate.
python3 - "$DATA/test/captions.json" "$OUT/human.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); seen = set(); out = []
for a in d['annotations']:
    if a['image_id'] not in seen:
        seen.add(a['image_id']); out.append({'image_id': a['image_id'], 'caption': a['caption']})
json.dump(out, open(sys.argv[2], 'w'))
PY
score "human (first reference)" "$OUT/human.json"
echo "| $(basename "$DATA")/test, first reference held out | BLEU-1 | BLEU-2 | BLEU-3 | BLEU-4 | ROUGE-L | CIDEr-D | true captions |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
cat "$results"
