#!/bin/sh
# Regenerates every fixture in this folder. Needs python3 (PNGs, see make_png_fixtures.py),
# and for the JPEGs: apt-get install -y imagemagick libjpeg-turbo-progs exiftool
set -eu
cd "$(dirname "$0")"
python3 make_png_fixtures.py

PHOTOS=${PHOTOS:-/work/shared/datasets/photos}
CONVERT=/usr/bin/convert   # ImageMagick 6 (a stand-in may shadow it earlier on PATH)

# A 64x48 crop of chelsea.png (RGB, CC0, scikit-image) as the JPEG source.
$CONVERT "$PHOTOS/chelsea.png" -crop 64x48+200+80 +repage -strip chelsea-crop.ppm
cjpeg -quality 85 chelsea-crop.ppm > baseline.jpg
cjpeg -quality 85 -progressive chelsea-crop.ppm > progressive.jpg
cjpeg -quality 85 -grayscale chelsea-crop.ppm > gray.jpg
cjpeg -quality 85 -arithmetic chelsea-crop.ppm > arithmetic.jpg
$CONVERT chelsea-crop.ppm -colorspace CMYK -quality 90 cmyk.jpg

# djpeg's own output for the exact-match test, as FNV-1a 64 hashes of the pixel bytes.
: > djpeg-fnv1a.txt
SAMPLES=../../../datasets/samples
cp $SAMPLES/2011_000003.jpg $SAMPLES/2011_000025.jpg .
for f in baseline progressive gray arithmetic 2011_000003 2011_000025; do
  djpeg -pnm $f.jpg > $f.pnm
  python3 - "$f" >> djpeg-fnv1a.txt <<'PY'
import sys
name = sys.argv[1]
data = open(name + ".pnm", "rb").read()
import re
header = re.match(rb"(P[56])\s+(\d+)\s+(\d+)\s+(\d+)\s", data)   # one whitespace byte ends the header
magic, w, h = header.group(1), int(header.group(2)), int(header.group(3))
pixels = data[header.end():]
value = 0xcbf29ce484222325
for b in pixels:
    value = ((value ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
print(f"{name}.jpg {w} {h} {3 if magic == b'P6' else 1} {value:016x}")
PY
  rm $f.pnm
done
rm 2011_000003.jpg 2011_000025.jpg   # the tests read these from datasets/samples

# EXIF orientations: a 32x16 upright picture of four flat quadrants (red, green, blue,
# white from top-left clockwise), stored pre-transformed so that applying tag N shows it upright.
$CONVERT -size 16x8 xc:red -size 16x8 xc:green +append \( -size 16x8 xc:white -size 16x8 xc:blue +append \) -append upright.ppm
stored() {  # the inverse of the correction each tag asks for
  case $1 in
    1) echo "" ;; 2) echo "-flop" ;; 3) echo "-rotate 180" ;; 4) echo "-flip" ;;
    5) echo "-transpose" ;; 6) echo "-rotate -90" ;; 7) echo "-transverse" ;; 8) echo "-rotate 90" ;;
  esac
}
for n in 1 2 3 4 5 6 7 8; do
  $CONVERT upright.ppm $(stored $n) orient-src.ppm
  cjpeg -quality 95 orient-src.ppm > orientation$n.jpg
  exiftool -q -overwrite_original -n -Orientation=$n orientation$n.jpg
done

# Hostile JPEG: baseline.jpg with its SOF0 height and width patched to 65000 x 65000.
python3 - <<'PY'
data = bytearray(open("baseline.jpg", "rb").read())
sof = data.index(b"\xff\xc0")
data[sof + 5:sof + 9] = (65000).to_bytes(2, "big") * 2
open("huge-dimensions.jpg", "wb").write(data)
PY
rm -f chelsea-crop.ppm upright.ppm orient-src.ppm
echo "fixtures written"
