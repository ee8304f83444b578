#!/bin/sh
# Decode megapixels/s of GlimpseImaging (PNG via libpng, JPEG via libjpeg-turbo) next to
# Pillow's on the same files, in the same run. Pillow goes into a private venv (.build-bench-venv).
# Usage: Benchmarks/imaging/run.sh [FILES...]   (default: the sample photos)
set -eu
cd "$(dirname "$0")/../.."
OUT=.build-bench-imaging
mkdir -p $OUT
S=Sources/GlimpseImaging
swiftc -O -wmo -parse-as-library -module-name GlimpseImagingBench -I Sources/CPNG -I Sources/CJPEG \
  Benchmarks/imaging/DecodeBenchmark.swift $S/ImagingError.swift $S/Image.swift $S/LabelMap.swift \
  $S/ImageFormat.swift $S/PNG.swift $S/JPEG.swift $S/EXIF.swift $S/Geometry.swift $S/ImageFile.swift \
  -o $OUT/decode-bench 2>/dev/null
if [ ! -x .build-bench-venv/bin/python ]; then
  python3 -m venv .build-bench-venv && .build-bench-venv/bin/pip install --quiet pillow
fi
if [ $# -eq 0 ]; then
  set -- datasets/samples/chelsea.png datasets/samples/camera.png datasets/samples/horse.png \
         datasets/samples/2011_000003.jpg datasets/samples/2011_000025.jpg
fi
.build-bench-venv/bin/python -c "import PIL; print('Pillow', PIL.__version__)"
for f in "$@"; do
  $OUT/decode-bench "$f"
  .build-bench-venv/bin/python Benchmarks/imaging/pillow_decode.py "$f"
done
