#!/usr/bin/env bash
# Installs what Glimpse needs on a fresh Debian machine (missing apt packages only) and builds
# the release binary. `--tests` adds the test suite's own needs. Safe to run again: it does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Open MPI: the binary links libmpi (data-parallel training, sharded runs under mpirun)
packages=(libopenblas-dev libpng-dev libjpeg-dev zlib1g-dev openmpi-bin libopenmpi-dev)
# --tests: also what only the test suite uses (headless Chromium renders report.html)
if [ "${1:-}" = "--tests" ]; then
    packages+=(chromium)
    # java runs coco-caption's PTB tokenizer jar for the caption tokenizer's golden test; any
    # installed java will do, so the JRE package is added only when none is on the PATH.
    command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
fi
missing=()
for package in "${packages[@]}"; do
    # "install ok installed" only: a removed package whose config files remain still answers dpkg -s
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q >&2
    $sudo apt-get install -y -q "${missing[@]}" >&2
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: the Swift toolchain (6.x) is not on PATH; install it from https://swift.org/install/linux/ and rerun" >&2
    exit 1
fi
