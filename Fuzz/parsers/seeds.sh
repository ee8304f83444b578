#!/bin/sh
# Seeds the corpus of one parser fuzz target with small valid files from the repository (and a
# few made here), so the fuzzer starts inside the format. Usage: seeds.sh TARGET CORPUS_DIR
set -eu
cd "$(dirname "$0")/../.."
target=$1
corpus=$2
case $target in
  safetensors|caption)
    # a tiny weights file carrying the captioner's real metadata, and that metadata as JSON
    python3 - "$corpus" <<'EOF'
import json, struct, sys
corpus = sys.argv[1]
with open("datasets/weights/nic-scenes.safetensors", "rb") as f:
    size = struct.unpack("<Q", f.read(8))[0]
    metadata = json.loads(f.read(size)).get("__metadata__", {})
header = json.dumps({"__metadata__": metadata, "w": {"dtype": "F32", "shape": [2, 1], "data_offsets": [0, 8]},
                     "b": {"dtype": "F16", "shape": [1], "data_offsets": [8, 10]}}).encode()
header += b" " * (-len(header) % 8)
with open(corpus + "/nic-small.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header + struct.pack("<2f", 1.5, -2) + b"\x00\x3c")
with open(corpus + "/nic-metadata.json", "w") as f:
    json.dump(metadata, f)
EOF
    ;;
  json|coco)
    cp datasets/samples/voc-coco-annotations.json $corpus/
    head -c 60000 datasets/samples/scenes/instances.json > $corpus/scenes-cut.json
    printf '{"images":[{"id":1,"file_name":"a.png","width":4,"height":3}],"categories":[{"id":1,"name":"x"}],"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,2,2],"area":4,"iscrowd":0,"segmentation":{"counts":[0,12],"size":[3,4]}}]}' > $corpus/tiny.json
    printf '{"images":[{"id":1,"file_name":"a.png","width":4,"height":3}],"annotations":[{"id":1,"image_id":1,"caption":"a red square."}]}' > $corpus/captions.json
    ;;
  voc)
    cp datasets/voc-mini/Annotations/*.xml $corpus/
    ;;
  idx)
    python3 - "$corpus" <<'EOF'
import gzip, sys
corpus = sys.argv[1]
images = bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3]) + bytes(range(18))
labels = bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])
for name, data in [("images", images), ("labels", labels)]:
    open(f"{corpus}/{name}.idx", "wb").write(data)
    open(f"{corpus}/{name}.idx.gz", "wb").write(gzip.compress(data))
open(f"{corpus}/bomb.idx.gz", "wb").write(gzip.compress(labels[:8] + bytes(200000)))
EOF
    ;;
  proposals)
    printf '0 0 10 10\n5,5,20,30\n\n1\t2\t3\t4\n' > $corpus/boxes.txt
    ;;
  yaml)
    cp Pipelines/*.yaml $corpus/
    ;;
  ledger)
    printf '%s\n' '{"path":"a.png","output":"a","hash":"0123456789abcdef","pipeline":"fedcba9876543210","status":"ok","error":null,"ms":{"read":1}}' \
      '{"path":"b.png","output":"b","hash":"1","pipeline":"2","status":"failed","error":"b.png: truncated","ms":{}}' \
      '{"path":"c.png","output":"c","hash":"1","pipeline":"2","stat' > $corpus/ledger.jsonl
    ;;
  lists)
    printf '# photos\nDatasets/samples\n/work/none.png\n\n../x/..\n./a b.png\n' > $corpus/inputs.list
    ;;
  *)
    echo "unknown target $target" >&2; exit 2
    ;;
esac
