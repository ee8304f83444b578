#!/usr/bin/env bash
# Benchmarks/captioning.sh: the NIC captioner's speed, Glimpse against PyTorch (CPU) in one run,
# at 1 and 2 threads, medians over the repetitions:
#   1. an LSTM training step (Embedding 2000x256 -> LSTM 256 -> Linear 256->2000 -> softmax
#      cross-entropy, batch 32 x 16 steps, forward + backward, no update): glimpse-bench lstm-step
#      against nn.Embedding + nn.LSTM + nn.Linear + F.cross_entropy;
#   2. beam-3 captions of 500 images from their pooled features [500, D] (image embedding, LSTM
#      steps, beam search; the CNN is left out, it is the detector's trunk that fast-rcnn.sh
#      times): Glimpse batched (all beams of all images in one LSTM step), Glimpse one image at
#      a time (500 calls), and the same in PyTorch with a beam search written to BeamSearch.swift's
#      rules, loading the same safetensors file.
# Before timing, pytorch_captioning.py checks on the same inputs that its loss and gradients
# equal Glimpse's within 1e-4 (relative) and its log-probabilities within 1e-4, and counts the
# images whose captions are identical; the run stops if the numbers disagree. Glimpse's "2
# threads" is Compute.setThreads(2) as the glimpse command runs it (OpenBLAS kept at one thread);
# a third Glimpse row, "2 (GEMM)", lets OpenBLAS run 2 threads inside each GEMM instead.
# Unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (see the README's Caveats); --coretype NAME sets
# OPENBLAS_CORETYPE for Glimpse's runs. PyTorch comes from Benchmarks/.venv (torch-venv.sh).
#
# usage: Benchmarks/captioning.sh [--reps 10] [--single-reps 3] [--coretype NAME] [--weights FILE]...
# Default weights: datasets/weights/nic-scenes.safetensors; until it exists, random NIC weights
# with vocabularies of 87 and 2,000 (glimpse-bench nic --make-random out/nic-random-vNNN.safetensors
# --vocabulary NNN, written here), one table row each. Results: out/captioning-bench.jsonl.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REPS=10; SINGLE_REPS=3; CORETYPE=""; WEIGHTS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) REPS="$2"; shift 2 ;;
        --single-reps) SINGLE_REPS="$2"; shift 2 ;;
        --coretype) CORETYPE="$2"; shift 2 ;;
        --weights) WEIGHTS+=("$2"); shift 2 ;;
        *) echo "captioning.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
scripts/setup.sh
swift build -c release --product glimpse-bench >&2
BIN="$(swift build -c release --show-bin-path)/glimpse-bench"
PY="$(Benchmarks/torch-venv.sh)"
mkdir -p out
glimpse() { if [ -n "$CORETYPE" ]; then OPENBLAS_CORETYPE="$CORETYPE" "$BIN" "$@"; else "$BIN" "$@"; fi; }
if [ ${#WEIGHTS[@]} -eq 0 ]; then
    if [ -f datasets/weights/nic-scenes.safetensors ]; then
        WEIGHTS=(datasets/weights/nic-scenes.safetensors)
    else
        echo "captioning.sh: no datasets/weights/nic-scenes.safetensors; using random NIC weights (vocabulary 87 and 2000)" >&2
        for v in 87 2000; do
            [ -f "out/nic-random-v$v.safetensors" ] || "$BIN" nic --make-random "out/nic-random-v$v.safetensors" --vocabulary "$v"
            WEIGHTS+=("out/nic-random-v$v.safetensors")
        done
    fi
fi
for w in "${WEIGHTS[@]}"; do [ -f "$w" ] || { echo "captioning.sh: no weights file $w" >&2; exit 1; }; done
results=out/captioning-bench.jsonl; : > "$results"
tag() { python3 -c 'import json, sys; [print(json.dumps({**json.loads(l), "weights": sys.argv[1]})) for l in sys.stdin if l.strip()]' "$1"; }

# The checks, before anything is timed.
glimpse lstm-step --reference out/lstm-step-bench.safetensors
for w in "${WEIGHTS[@]}"; do
    ref="out/nic-bench-$(basename "$w" .safetensors).safetensors"
    glimpse nic --weights "$w" --reference "$ref" | tag "$w" >> "$results"
    "$PY" Benchmarks/pytorch_captioning.py --mode check --weights "$w" --nic-reference "$ref" | tag "$w" >> "$results" || {
        echo "captioning.sh: PyTorch and Glimpse disagree for $w; see $results" >&2; exit 1; }
done

echo "load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "{\"impl\": \"env\", \"metric\": \"loadavg\", \"value\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >> "$results"
for threads in 1 2; do
    glimpse lstm-step --threads "$threads" --reps "$((REPS * 3))" >> "$results"
    for w in "${WEIGHTS[@]}"; do
        glimpse nic --weights "$w" --threads "$threads" --reps "$REPS" --single-reps "$SINGLE_REPS" | tag "$w" >> "$results"
    done
done
glimpse lstm-step --threads 2 --reps "$((REPS * 3))" --gemm-threads >> "$results"
for w in "${WEIGHTS[@]}"; do
    glimpse nic --weights "$w" --threads 2 --reps "$REPS" --single-reps "$SINGLE_REPS" --gemm-threads | tag "$w" >> "$results"
done
glimpse sgemm --threads 1 --reps 1 --sizes 256 >> "$results"
lstm=""  # PyTorch's LSTM step is timed with the first weights only
for w in "${WEIGHTS[@]}"; do
    ref="out/nic-bench-$(basename "$w" .safetensors).safetensors"
    "$PY" Benchmarks/pytorch_captioning.py --mode time --weights "$w" --nic-reference "$ref" --threads 1,2 \
        --reps "$REPS" --single-reps "$SINGLE_REPS" $lstm | tag "$w" >> "$results"
    lstm="--no-lstm-step"
done
echo "{\"impl\": \"env\", \"metric\": \"loadavg_after\", \"value\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >> "$results"

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
def get(impl, metric, threads=None, weights=None, field="median"):
    for r in rows:
        if r["impl"] == impl and r["metric"] == metric and r.get("threads") == threads and (weights is None or r.get("weights") == weights):
            return r.get(field, r.get("value"))
    return None
weights = list(dict.fromkeys(r["weights"] for r in rows if "weights" in r))
print(f"PyTorch {get('pytorch', 'version')}; Glimpse on OpenBLAS's {get('openblas', 'corename')} kernels; "
      f"load average {get('env', 'loadavg')} before, {get('env', 'loadavg_after')} after")
check = next(r for r in rows if r["metric"] == "lstm_check")
print(f"LSTM step check: loss relative difference {check['loss_rel_diff']:.1e}, worst gradient {check['worst_grad_rel_diff']:.1e} (of max |gradient|)")
for w in weights:
    agree = get("pytorch", "nic_agree_c1", weights=w)
    print(f"{w}: log-probabilities max |difference| {get('pytorch', 'nic_logp_max_abs_diff', weights=w):.1e}; captions identical"
          f" for {agree}/500 images (best 1), {get('pytorch', 'nic_agree_c3', weights=w)}/500 (best 3); Glimpse one-at-a-time"
          f" = batched for {get('glimpse', 'nic_single_agree_c1', weights=w)}/500; mean words {get('glimpse', 'nic_mean_words', weights=w)},"
          f" finished {get('glimpse', 'nic_finished', weights=w)}/500")
print()
print("| measurement | weights | threads | Glimpse ms | PyTorch ms | Glimpse / PyTorch |")
print("| --- | --- | ---: | ---: | ---: | ---: |")
def line(label, w, threads, g, p):
    ratio = f"{g / p:.2f}x" if g and p else "n/a"
    fmt = lambda x: f"{x:.1f}" if x else "n/a"
    print(f"| {label} | {w} | {threads} | {fmt(g)} | {fmt(p)} | {ratio} |")
for threads in (1, 2):
    line("LSTM training step (32 x 16)", "-", threads, get("glimpse", "lstm_step_ms", threads), get("pytorch", "lstm_step_ms", threads, weights[0]))
line("LSTM training step (32 x 16)", "-", "2 (GEMM)", get("glimpse", "lstm_step_gemm_threads_ms", 2), get("pytorch", "lstm_step_ms", 2, weights[0]))
for w in weights:
    short = w.split("/")[-1].replace(".safetensors", "")
    for kind, label in (("batched", "beam 3, 500 images, batched"), ("single", "beam 3, 500 images, one at a time")):
        for threads in (1, 2):
            line(label, short, threads, get("glimpse", f"nic_{kind}_ms", threads, w), get("pytorch", f"nic_{kind}_ms", threads, w))
        line(label, short, "2 (GEMM)", get("glimpse", f"nic_{kind}_gemm_threads_ms", 2, w), get("pytorch", f"nic_{kind}_ms", 2, w))
print()
print("| weights | threads | Glimpse one at a time / batched | PyTorch one at a time / batched |")
print("| --- | ---: | ---: | ---: |")
for w in weights:
    short = w.split("/")[-1].replace(".safetensors", "")
    for threads, suffix in ((1, "_ms"), (2, "_ms"), ("2 (GEMM)", "_gemm_threads_ms")):
        t = 2 if threads == "2 (GEMM)" else threads
        gs, gb = get("glimpse", "nic_single" + suffix, t, w), get("glimpse", "nic_batched" + suffix, t, w)
        ps, pb = get("pytorch", "nic_single_ms", t, w), get("pytorch", "nic_batched_ms", t, w)
        print(f"| {short} | {threads} | {gs / gb:.1f}x | " + (f"{ps / pb:.1f}x |" if ps and pb and suffix == "_ms" else "- |"))
PY
