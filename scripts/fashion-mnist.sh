#!/usr/bin/env bash
# Makes sure Debian's dataset-fashion-mnist is installed (the experiments' data) and prints its
# folder. Sourced-free: call it as DATA=$(scripts/fashion-mnist.sh).
set -euo pipefail
DATA=/usr/share/datasets/fashion-mnist
if [ ! -f "$DATA/t10k-labels-idx1-ubyte.gz" ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get install -y -q dataset-fashion-mnist >&2 || { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q dataset-fashion-mnist >&2; }
fi
echo "$DATA"
