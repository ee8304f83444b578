#!/usr/bin/env bash
# scripts/detection-test-time.sh: one row of docs/detection.md's "Test-time box voting and
# iterative regression" tables. Runs a shipped detection pipeline over a scene split with its
# detector's settings overridden (e.g. box_voting=0.7 refine=1; box_voting=0 turns voting off),
# then scores it with `glimpse eval detections`, and prints AP, AP50, AP75 and the settings.
#
# usage: scripts/detection-test-time.sh [--scenes /tmp/sc] [--split val|test] [--pipeline detect|detect-faster|detect-rcnn]
#                                       [--no-build] [key=value ...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SCENES=/tmp/sc; SPLIT=val; PIPELINE=detect; BUILD=1; SETTINGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --scenes) SCENES="$2"; shift 2 ;;
        --split) SPLIT="$2"; shift 2 ;;
        --pipeline) PIPELINE="$2"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        *=*) SETTINGS+=("$1"); shift ;;
        *) echo "detection-test-time.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -f "$SCENES/$SPLIT/instances.json" ] || { echo "detection-test-time.sh: no $SCENES/$SPLIT/instances.json (glimpse datasets scenes --out $SCENES)" >&2; exit 1; }
[ -f "Pipelines/$PIPELINE.yaml" ] || { echo "detection-test-time.sh: no Pipelines/$PIPELINE.yaml" >&2; exit 1; }
[ "$BUILD" = 1 ] && swift build -c release --product glimpse >&2
glimpse="$(swift build -c release --show-bin-path)/glimpse"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
# The pipeline without previews and report, each key=value replacing the detector's setting of
# that name or added after its `weights:` line.
python3 - "Pipelines/$PIPELINE.yaml" "$WORK/p.yaml" "${SETTINGS[@]}" <<'PY'
import sys
lines = open(sys.argv[1]).read().split('\n'); settings = [a.split('=', 1) for a in sys.argv[3:]]
out, section = [], None
for line in lines:
    stripped = line.strip()
    if line.startswith('  ') and not line.startswith('    ') and stripped.endswith(':'): section = stripped[:-1]
    if stripped.startswith('previews:') or stripped.startswith('report:'): line = line.split(':')[0] + ': false'
    if section == 'detector' and line.startswith('    ') and any(stripped.startswith(k + ':') for k, _ in settings): continue
    out.append(line)
    if section == 'detector' and stripped.startswith('weights:'):
        out += ['    %s: %s' % (k, v) for k, v in settings]
open(sys.argv[2], 'w').write('\n'.join(out))
PY
"$glimpse" run "$WORK/p.yaml" "$SCENES/$SPLIT/images" --output "$WORK/out" --quiet > /dev/null
"$glimpse" eval detections --gt "$SCENES/$SPLIT/instances.json" --pred "$WORK/out/boxes.results.json" \
    --images "$WORK/out/boxes.coco.json" --json "$WORK/eval.json" > /dev/null
python3 - "$WORK/eval.json" "$PIPELINE" "$SPLIT" "${SETTINGS[*]:-shipped settings}" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
s = e['stats']
print('| %s | %s | %s | %.3f | %.3f | %.3f |' % (sys.argv[2], sys.argv[3], sys.argv[4], s[0], s[1], s[2]))
PY
