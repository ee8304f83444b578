#!/bin/sh
# Builds the libFuzzer targets for GlimpseImaging's PNG and JPEG decoders (with
# AddressSanitizer) and runs each for a bounded time on a corpus seeded from the committed
# fixtures and samples. Usage: Fuzz/imaging/run.sh [SECONDS_PER_DECODER]   (default 60)
# Findings (crash-*, leak-*, timeout-*, oom-*) land in .build-fuzz/findings/; exit 1 if any.
set -eu
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-60}
OUT=.build-fuzz
S=Sources/GlimpseImaging
SOURCES="$S/ImagingError.swift $S/Image.swift $S/LabelMap.swift $S/ImageFormat.swift $S/PNG.swift $S/JPEG.swift $S/EXIF.swift $S/Geometry.swift"
mkdir -p $OUT/findings
status=0
for codec in png jpeg; do
  upper=$(echo $codec | tr a-z A-Z)
  swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name GlimpseImagingFuzz -D FUZZ_$upper \
    -I Sources/CPNG -I Sources/CJPEG Fuzz/imaging/FuzzDecode.swift $SOURCES -o $OUT/fuzz-$codec 2>/dev/null
  corpus=$OUT/corpus-$codec
  mkdir -p $corpus
  if [ $codec = png ]; then ext=png; else ext=jpg; fi
  cp Tests/GlimpseImagingTests/Fixtures/*.$ext datasets/samples/*.$ext $corpus/ 2>/dev/null || true
  echo "== fuzzing $codec for ${SECONDS_EACH}s"
  if ! $OUT/fuzz-$codec $corpus -max_total_time=$SECONDS_EACH -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix=$OUT/findings/$codec- -print_final_stats=1 2>$OUT/fuzz-$codec.log; then
    status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ +DONE|ERROR" $OUT/fuzz-$codec.log || true
done
ls $OUT/findings
exit $status
