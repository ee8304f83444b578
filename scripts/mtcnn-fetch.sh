#!/usr/bin/env bash
# Fetches what the MTCNN parity check and benchmark compare against, into .build-mtcnn/ (git-ignored),
# with pip's ordinary client and only the packages named here, then prints the paths of the photos
# with faces, one per line (the sample photos first):
#   - facenet-pytorch 2.6.0 (MIT): the reference implementation, unpacked to .build-mtcnn/facenet-pytorch
#   - scikit-image 0.26.0's astronaut.png: Eileen Collins, NASA photograph, public domain
#   - matplotlib 3.11.2's sample_data/grace_hopper.jpg: Grace Hopper, U.S. Navy photograph, public domain
#   - face_recognition 1.3.0's source tests/test_images (MIT package): biden.jpg, obama.jpg,
#     obama2.jpg, obama3.jpg, obama_partial_face.jpg, obama_partial_face2.jpg, 32bit.png; photographs
#     of U.S. officials distributed with the package's tests; the package states no separate licence
#     for them (as U.S. government photographs they would be public domain; not verified offline)
# usage: scripts/mtcnn-fetch.sh PYTHON   (a Python with pip, e.g. $(Benchmarks/torch-venv.sh))
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$1"; CACHE=.build-mtcnn
mkdir -p "$CACHE/wheels" "$CACHE/photos"
fetch() { ls "$CACHE/wheels/$2" >/dev/null 2>&1 || "$PY" -m pip download -q --no-deps $3 "$1" -d "$CACHE/wheels" >&2; }
fetch facenet-pytorch==2.6.0 'facenet_pytorch-2.6.0-*.whl' ""
fetch scikit-image==0.26.0 'scikit_image-0.26.0-*.whl' ""
fetch matplotlib==3.11.2 'matplotlib-3.11.2-*.whl' ""
fetch face_recognition==1.3.0 'face_recognition-1.3.0.tar.gz' "--no-binary :all:"
[ -d "$CACHE/facenet-pytorch/facenet_pytorch" ] || python3 -m zipfile -e "$CACHE"/wheels/facenet_pytorch-2.6.0-*.whl "$CACHE/facenet-pytorch" >&2
P="$CACHE/photos"
[ -f "$P/astronaut.png" ] || unzip -q -o -j "$CACHE"/wheels/scikit_image-0.26.0-*.whl skimage/data/astronaut.png -d "$P"
[ -f "$P/grace_hopper.jpg" ] || unzip -q -o -j "$CACHE"/wheels/matplotlib-3.11.2-*.whl matplotlib/mpl-data/sample_data/grace_hopper.jpg -d "$P"
[ -f "$P/obama.jpg" ] || tar xzf "$CACHE"/wheels/face_recognition-1.3.0.tar.gz -C "$P" --strip-components=3 face_recognition-1.3.0/tests/test_images/
for f in camera.png chelsea.png coffee.png horse.png 2011_000003.jpg 2011_000025.jpg; do echo "datasets/samples/$f"; done
for f in astronaut.png grace_hopper.jpg biden.jpg obama.jpg obama2.jpg obama3.jpg obama_partial_face.jpg obama_partial_face2.jpg 32bit.png; do
    echo "$P/$f"
done
