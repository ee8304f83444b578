#!/bin/sh
# Builds the libFuzzer targets for every parser of outside files but the image codecs (those are
# Fuzz/imaging/run.sh) and runs each for a bounded time. SwiftPM compiles the library modules
# once, into .build-fuzz/spm, with coverage for the fuzzer and AddressSanitizer; each target is
# then linked from Fuzz/parsers/FuzzParsers.swift with -D FUZZ_<TARGET>.
# Usage: Fuzz/parsers/run.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60; all targets)
# Targets: safetensors json coco voc idx proposals caption yaml ledger lists
# Findings (crash-*, leak-*, timeout-*, oom-*) land in .build-fuzz/findings/; exit 1 if any.
set -eu
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-60}
[ $# -gt 0 ] && shift
TARGETS=${*:-safetensors json coco voc idx proposals caption yaml ledger lists}
OUT=.build-fuzz
SPM=$OUT/spm
mkdir -p $OUT/findings

# One instrumented build of the modules the harness imports (GlimpseRegistry depends on all of
# them, Yams included). Library targets only: nothing is linked here.
echo "== building the instrumented modules (swift build --target GlimpseRegistry)"
# Two swiftc quirks (6.3.1) would otherwise leave the Swift objects without coverage counters (no
# __sancov sections; the fuzzer's feedback then comes from the harness and libyaml only):
#  - SwiftPM passes `-sanitize=fuzzer -sanitize=address` as two flags, and swiftc keeps only the
#    last one for the Swift code (clang adds them up for the C targets). A trailing
#    `-sanitize=fuzzer,address` names both in one flag, so it wins and keeps both.
#  - multi-threaded whole-module optimisation (`-num-threads 2`, SwiftPM's default on 2 cores)
#    instruments only the first file's object; `-num-threads 0` gives one object per module.
# The script checks that every Swift module object has counters before it fuzzes.
swift build -c release --build-path $SPM --sanitize fuzzer --sanitize address --target GlimpseRegistry \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -num-threads -Xswiftc 0 >$OUT/build.log 2>&1 \
  || { tail -20 $OUT/build.log; exit 2; }
BIN=$SPM/release
OBJECTS=$(find $BIN/ -path '*.build/*' -name '*.o' | grep -v -e '/glimpse.build/' -e '/glimpse-bench.build/' -e 'Tests.build/' -e 'TestSupport.build/' | sort)
for object in $OBJECTS; do
  if ! objdump -h "$object" | grep -q __sancov_cntrs; then
    echo "no coverage counters in $object: the fuzzer would run blind there"; exit 2
  fi
done
INCLUDES="-I $BIN/Modules -I $BIN -I Sources/CBLAS -I Sources/CMalloc -I Sources/CZlib -I Sources/CPNG -I Sources/CJPEG -I Sources/CFileSystem -I Sources/CMPI $(pkg-config --cflags-only-I mpi-c)"
YAML_INCLUDE=$(ls -d $SPM/checkouts/Yams/Sources/CYaml/include 2>/dev/null || ls -d .build/checkouts/Yams/Sources/CYaml/include)

status=0
for target in $TARGETS; do
  upper=$(echo $target | tr a-z A-Z)
  echo "== $target: linking"
  swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzParsers -D FUZZ_$upper $INCLUDES -I $YAML_INCLUDE \
    Fuzz/parsers/FuzzParsers.swift $OBJECTS -lopenblas -lpng -ljpeg -lz $(pkg-config --libs mpi-c) -o $OUT/fuzz-$target 2>$OUT/link-$target.log \
    || { tail -20 $OUT/link-$target.log; exit 2; }
  corpus=$OUT/corpus-$target
  mkdir -p $corpus
  Fuzz/parsers/seeds.sh $target $corpus
  echo "== fuzzing $target for ${SECONDS_EACH}s ($(ls $corpus | wc -l) seeds)"
  if ! $OUT/fuzz-$target $corpus -max_total_time=$SECONDS_EACH -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix=$OUT/findings/$target- -print_final_stats=1 2>$OUT/fuzz-$target.log; then
    status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ +DONE|ERROR|SUMMARY" $OUT/fuzz-$target.log || true
done
rm -rf /dev/shm/glimpse-fuzz-*
ls $OUT/findings
exit $status
