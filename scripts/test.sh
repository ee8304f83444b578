#!/usr/bin/env bash
# Runs every test from a fresh clone: installs missing system packages, then builds and runs
# the test suite optimised (numeric code in a debug build is ~50x slower).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
swift test -c release "$@"
