#!/usr/bin/env bash
# Runs every test from a fresh clone: installs missing system packages, then builds and runs
# the test suite optimised (numeric code in a debug build is ~50x slower). The tests that need
# chromium or python3 (pycocotools) skip where those are missing; here, where setup installs
# them, GLIMPSE_REQUIRE_TOOLS makes a missing tool a failure instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
export GLIMPSE_REQUIRE_TOOLS=1
swift test -c release "$@"
