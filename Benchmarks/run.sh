#!/usr/bin/env bash
# Benchmarks/run.sh: DeepConvNet training step and inference, Glimpse vs PyTorch (CPU), at 1 and 2
# threads, next to this machine's OpenBLAS SGEMM peak. Prints a Markdown table; see Benchmarks/README.md.
#
# usage: Benchmarks/run.sh [--reps N] [--rounds N] [--quick] [--threads "1 2"] [--out FILE.jsonl] [--bin PATH]
#   --reps N       timed repetitions per measurement (default 30; SGEMM uses at most 10)
#   --quick        5 reps, 1 warm-up, SGEMM at n=2048 only: checks the harness, numbers are rough
#   --threads L    thread counts, space- or comma-separated (default "1 2")
#   --out FILE     where the JSON lines go (default out/bench-DATE.jsonl; the table goes next to it as .md)
#   --bin PATH     use this glimpse-bench binary instead of building one (skips `swift build`)

set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

REPS=30
ROUNDS=3
WARMUP=5
QUICK=0
THREADS="1 2"
OUT=""
BIN=""
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) REPS="${2:?--reps needs a number}"; shift 2 ;;
        --reps=*) REPS="${1#*=}"; shift ;;
        --rounds) ROUNDS="${2:?--rounds needs a number}"; shift 2 ;;
        --quick) QUICK=1; shift ;;
        --threads) THREADS="${2:?--threads needs a list}"; shift 2 ;;
        --threads=*) THREADS="${1#*=}"; shift ;;
        --out) OUT="${2:?--out needs a file}"; shift 2 ;;
        --out=*) OUT="${1#*=}"; shift ;;
        --bin) BIN="${2:?--bin needs a path}"; shift 2 ;;
        --bin=*) BIN="${1#*=}"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
THREADS="${THREADS//,/ }"
SGEMM_SIZES="1536,2048,2560"
if [ "$QUICK" = 1 ]; then
    REPS=5; WARMUP=1; SGEMM_SIZES="2048"; ROUNDS=1
fi
case "$REPS" in ''|*[!0-9]*|0) echo "run.sh: --reps needs a positive integer" >&2; exit 2 ;; esac
SGEMM_REPS=$(( REPS < 10 ? REPS : 10 ))
SQUEEZE_REPS=$(( REPS < 20 ? REPS : 20 ))
SGEMM_WARMUP=$(( WARMUP < 2 ? WARMUP : 2 ))

say() { printf '==> %s\n' "$*" >&2; }

# --- Environment --------------------------------------------------------------------------------
# These machines export OPENBLAS_CORETYPE=Haswell (and OPENBLAS_L2_SIZE) as a guard for old OpenBLAS
# builds. With them, Debian's OpenBLAS 0.3.21 runs its AVX2 Haswell kernels; without them it picks
# its AVX-512 kernels on this CPU. Unset here, for this script and what it starts only.
ENV_NOTE=""
for var in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
    if [ -n "${!var+x}" ]; then
        say "unsetting $var (was '${!var}') for this run, so OpenBLAS picks its own kernels for this CPU"
        ENV_NOTE="${ENV_NOTE:+$ENV_NOTE, }$var (was ${!var})"
        unset "$var"
    else
        say "$var is not set"
    fi
done
ENV_NOTE="${ENV_NOTE:-nothing}"
ENV_NOTE="unset for this run: $ENV_NOTE"

# --- System packages ----------------------------------------------------------------------------
APT_PACKAGES=(libopenblas-dev zlib1g-dev libpng-dev libjpeg-dev)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    say "installing ${missing[*]}"
    $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" \
        || { echo "run.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
fi

# --- Results file -------------------------------------------------------------------------------
STAMP="$(date -u +%Y%m%d-%H%M%S)"
if [ -z "$OUT" ]; then
    mkdir -p "$ROOT/out"
    OUT="$ROOT/out/bench-$STAMP.jsonl"
fi
mkdir -p "$(dirname "$OUT")"
: > "$OUT"
TABLE="${OUT%.jsonl}.md"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# json KEY VALUE ...: prints one JSON object (values that look like integers stay numbers).
json() {
    python3 - "$@" <<'PY'
import json, sys
a = sys.argv[1:]
print(json.dumps({k: int(v) if v.lstrip("-").isdigit() else v for k, v in zip(a[::2], a[1::2])}))
PY
}
record() { json "$@" >> "$OUT"; }

CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
CPU_FAMILY="$(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -1)"
CPU_MODEL_NO="$(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo | head -1)"
AVX512=""; grep -qw avx512f /proc/cpuinfo && AVX512=", AVX-512"
CPU="${CPU_MODEL:-unknown} (family ${CPU_FAMILY:-?} model ${CPU_MODEL_NO:-?}, $(nproc) cores$AVX512)"
OPENBLAS_PKG="$(dpkg-query -W -f='${Package} ${Version}\n' 'libopenblas0-*' 2>/dev/null \
    | awk 'NF == 2' | paste -sd ';' | sed 's/;/; /g')"
record impl env metric cpu_model value "$CPU"
record impl env metric date value "$(date -u '+%Y-%m-%d %H:%M UTC')"
record impl env metric openblas_package value "${OPENBLAS_PKG:-unknown}"
record impl env metric note value "$ENV_NOTE"

# run_step IMPL STEP THREADS CMD...: runs CMD, keeps its JSON lines; on failure records an error line.
run_step() {
    local impl="$1" step="$2" threads="$3"; shift 3
    # Runs on N threads are pinned to CPUs 0..N-1, the same ones for every implementation: the
    # vCPUs of a shared virtual machine need not be equally fast (here one was often ~30% slower),
    # and an unpinned single-threaded run lands on either.
    local pin=()
    if command -v taskset >/dev/null 2>&1 && [ "$threads" -le "$(nproc)" ]; then
        pin=(taskset -c "0-$((threads - 1))")
    fi
    say "$step, $threads thread(s): ${pin[*]} $*"
    "${pin[@]}" "$@" > "$TMP/stdout" 2> "$TMP/stderr"
    local rc=$?
    cat "$TMP/stderr" >&2
    grep '^{' "$TMP/stdout" | tee -a "$OUT" >&2
    if [ $rc -ne 0 ]; then
        local why; why="$(grep -v '^[[:space:]]*$' "$TMP/stderr" | tail -1)"
        say "$step at $threads thread(s) failed (exit $rc); shown as n/a"
        record impl "$impl" metric error step "$step" threads "$threads" value "exit $rc${why:+: $why}"
    fi
    return 0
}

# --- Glimpse: build ------------------------------------------------------------------------------
if [ -z "$BIN" ]; then
    say "building glimpse-bench (release)"
    if nice -n 5 swift build -c release --product glimpse-bench >&2; then
        BIN="$(swift build -c release --show-bin-path)/glimpse-bench"
    else
        say "swift build failed: Glimpse and SGEMM columns will be n/a"
        record impl glimpse metric error step "swift build" value "swift build -c release --product glimpse-bench failed"
        BIN=""
    fi
fi
if [ -n "$BIN" ] && [ -f "$BIN" ]; then
    record impl env metric openblas_library value "$(ldd "$BIN" | awk '/openblas/ {print $3}' | xargs -r readlink -f | head -1)"
fi

# --- PyTorch: private venv ----------------------------------------------------------------------
VENV="$ROOT/Benchmarks/.venv"
PY="$VENV/bin/python"
if [ ! -x "$PY" ]; then
    say "creating $VENV"
    python3 -m venv "$VENV" || { say "python3 -m venv failed"; }
fi
TORCH_OK=0
if [ -x "$PY" ]; then
    if "$PY" -c 'import torch' 2>/dev/null; then
        TORCH_OK=1
    else
        PYTAG="cp$("$PY" -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')"
        WHEEL="$(ls /opt/wheels/torch-*-"$PYTAG"-"$PYTAG"-*.whl 2>/dev/null | head -1 || true)"
        if [ -n "$WHEEL" ]; then
            say "installing PyTorch (CPU) from $WHEEL"
            "$PY" -m pip install -q "$WHEEL" >&2
        else
            say "installing PyTorch (CPU) from the PyTorch CPU index"
            "$PY" -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu >&2
        fi
        "$PY" -c 'import torch' 2>/dev/null && TORCH_OK=1
    fi
fi
[ "$TORCH_OK" = 1 ] || { say "PyTorch is not available: its columns will be n/a";
                         record impl pytorch metric error step "install" value "could not install torch"; }

# --- Measurements -------------------------------------------------------------------------------
record impl env metric loadavg value "$(cut -d' ' -f1-3 /proc/loadavg)"
say "load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg) (anything else running skews the numbers)"
if [ -n "$BIN" ]; then
    for n in $THREADS; do
        run_step openblas "sgemm" "$n" "$BIN" sgemm --threads "$n" --reps "$SGEMM_REPS" --warmup "$SGEMM_WARMUP" --sizes "$SGEMM_SIZES"
    done
fi
# Glimpse and PyTorch alternate, round after round, so that a slow spell of this shared machine
# hits both alike; the table takes the median over the rounds of each round's median.
for round in $(seq 1 "$ROUNDS"); do
    for n in $THREADS; do
        if [ -n "$BIN" ]; then
            run_step glimpse "deepconvnet (round $round)" "$n" "$BIN" deepconvnet --threads "$n" --reps "$REPS" --warmup "$WARMUP"
        fi
        if [ "$TORCH_OK" = 1 ]; then
            run_step pytorch "pytorch deepconvnet (round $round)" "$n" "$PY" "$ROOT/Benchmarks/pytorch_deepconvnet.py" \
                --threads "$n" --reps "$REPS" --warmup "$WARMUP"
        fi
        # SqueezeNet 1.1 inference at 227x227, batch 1 and 16, both loading datasets/weights/squeezenet1_1.safetensors
        if [ -n "$BIN" ]; then
            run_step glimpse "squeezenet (round $round)" "$n" "$BIN" squeezenet --threads "$n" --reps "$SQUEEZE_REPS" --warmup 2
        fi
        if [ "$TORCH_OK" = 1 ]; then
            run_step pytorch "pytorch squeezenet (round $round)" "$n" "$PY" "$ROOT/Benchmarks/pytorch_squeezenet.py" \
                --threads "$n" --reps "$SQUEEZE_REPS" --warmup 2
        fi
    done
done

record impl env metric loadavg_after value "$(cut -d' ' -f1-3 /proc/loadavg)"

# --- Table ----------------------------------------------------------------------------------------
python3 "$ROOT/Benchmarks/table.py" "$OUT" --threads "${THREADS// /,}" > "$TABLE"
echo
cat "$TABLE"
echo
say "results: $OUT"
say "table:   $TABLE"
