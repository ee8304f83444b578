#!/usr/bin/env bash
# The proposal table of the README and docs/detection.md: the region proposal network
# (datasets/weights/rpn-scenes.safetensors) against selective search (fast and quality modes) on
# the scene set's 500-image test split. Each proposer writes up to 1000 proposals per image with
# `glimpse propose --out` (--threads 2; the RPN's own post-NMS cap is 1000 here), and `glimpse
# eval proposals` scores the first 50, 100, 300 and 1000. Speed is the proposer alone (decoding and
# writing excluded; the RPN's time includes its trunk pass), from `glimpse propose --timing`.
# The "rpn tiny" row is the RPN on its own tiny trunk (datasets/weights/rpn-tiny-scenes.safetensors,
# 128 px input, pre-NMS 1000) on ONE thread (--threads 1), "rpn tiny-wide" the same with wider
# convolutions (rpn-tiny-wide-scenes.safetensors); their speed is also timed at --max 100 (the
# goal's cap) in a second run each, printed under the table.
# Speed rows are measured with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (see the README).
#
# usage: scripts/proposals-compare.sh [--scenes DIR] [--split test] [--no-build] [--methods 'rpn rpn:tiny ...']
set -euo pipefail
cd "$(dirname "$0")/.."
SCENES=runs/scenes; SPLIT=test; METHODS="rpn rpn:tiny rpn:tiny-wide selective-search:fast selective-search:quality"
while [ $# -gt 0 ]; do
    case "$1" in
        --scenes) SCENES="$2"; shift 2 ;;
        --split) SPLIT="$2"; shift 2 ;;
        --no-build) NOBUILD=1; shift ;;
        --methods) METHODS="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
if [ -z "${NOBUILD:-}" ]; then   # --no-build: use the .build/release/glimpse already built
    scripts/setup.sh
    swift build -c release --product glimpse >&2
fi
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
glimpse=.build/release/glimpse
[ -f "$SCENES/dataset.json" ] || "$glimpse" datasets scenes --out "$SCENES" >&2
OUT=runs/proposals-compare; mkdir -p "$OUT"
results="$OUT/results.txt"; : > "$results"
images=("$SCENES/$SPLIT"/images/*.png)
TINY=datasets/weights/rpn-tiny-scenes.safetensors; WIDE=datasets/weights/rpn-tiny-wide-scenes.safetensors
for method in $METHODS; do
    name=${method/:/ }; dir="$OUT/${method/:/-}"
    rm -rf "$dir"
    threads=2
    if [ "$method" = rpn ]; then
        args=(--proposer rpn --weights datasets/weights/rpn-scenes.safetensors)
    elif [ "$method" = rpn:tiny ]; then
        args=(--proposer rpn --weights "$TINY" --pre-nms 1000); threads=1
    elif [ "$method" = rpn:tiny-wide ]; then
        args=(--proposer rpn --weights "$WIDE" --pre-nms 1000); threads=1
    else
        args=(--proposer selective-search --mode "${method#*:}")
    fi
    timing=$("$glimpse" propose "${args[@]}" --max 1000 --threads $threads --timing --out "$dir" "${images[@]}" 2>&1 >/dev/null | tail -1)
    echo "$timing" >&2
    ms=$(sed -n 's/.* \([0-9.]*\) ms\/image.*/\1/p' <<< "$timing")
    perSecond=$(sed -n 's/.* \([0-9.]*\) proposals\/s.*/\1/p' <<< "$timing")
    "$glimpse" eval proposals --gt "$SCENES/$SPLIT/instances.json" --pred "$dir" --top 50,100,300,1000 \
        | awk -v name="$name" -v ms="$ms" -v ps="$perSecond" '$1 ~ /^[0-9]+$/ { print name "|" $1 "|" $2 "|" $3 "|" $4 "|" $5 "|" $6 "|" ms "|" ps }' >> "$results"
done
echo "Proposals on the $SPLIT split of $SCENES (${#images[@]} images; glimpse propose --threads 2, OpenBLAS variables unset)"
printf '| %-24s | %4s | %9s | %10s | %10s | %6s | %6s | %8s | %11s |\n' proposer cap "per image" recall@0.5 recall@0.7 AR MABO "ms/image" "proposals/s"
printf '| %-24s | %4s | %9s | %10s | %10s | %6s | %6s | %8s | %11s |\n' --- ---: ---: ---: ---: ---: ---: ---: ---:
while IFS='|' read -r name cap per r50 r70 ar mabo ms ps; do
    printf '| %-24s | %4s | %9s | %10s | %10s | %6s | %6s | %8s | %11s |\n' "$name" "$cap" "$per" "$r50" "$r70" "$ar" "$mabo" "$ms" "$ps"
done < "$results"
echo
for method in rpn:tiny rpn:tiny-wide; do
    [[ " $METHODS " == *" $method "* ]] || continue
    weights=$TINY; [ "$method" = rpn:tiny ] || weights=$WIDE
    timing=$("$glimpse" propose --proposer rpn --weights "$weights" --pre-nms 1000 --max 100 --threads 1 --timing --out "$OUT/${method/:/-}-100" "${images[@]}" 2>&1 >/dev/null | tail -1)
    echo "${method/:/ } at --max 100 (--threads 1): $(sed -n 's/.* \([0-9.]*\) ms\/image.*/\1/p' <<< "$timing") ms/image ($(sed -n 's/.* in \([0-9.]*\) s:.*/\1/p' <<< "$timing") s for ${#images[@]} images)"
done
