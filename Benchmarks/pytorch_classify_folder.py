"""What a user would write instead of `glimpse run Pipelines/classify.yaml`: every image of a folder
decoded and resized with Pillow, SqueezeNet 1.1 in PyTorch eager with the same weights file
(Benchmarks/pytorch_squeezenet.py's network and safetensors reader), the top 5 ImageNet classes,
one JSON file per image. Preprocessing as the weights' metadata says (Glimpse reads the same):
RGB -> 227 x 227 bilinear -> BGR minus the means 103.939, 116.779, 123.68.

  python Benchmarks/pytorch_classify_folder.py FOLDER OUT --threads N

Prints one JSON line: {"images": n, "seconds": s, "images_per_s": x, "threads": N}, where the
seconds are the timed loop over the images (decode, resize, forward, top 5, write), not the
imports and the model load: the user's view of "how long did it take over my photos".
"""
import argparse, json, os, sys, time
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_squeezenet import SqueezeNet11, read_safetensors  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument('folder')
parser.add_argument('out')
parser.add_argument('--threads', type=int, default=1)
parser.add_argument('--weights', default='datasets/weights/squeezenet1_1.safetensors')
parser.add_argument('--labels', default='datasets/weights/imagenet1k_labels.txt')
args = parser.parse_args()

torch.set_num_threads(args.threads)
model = SqueezeNet11().eval()
model.load_state_dict(read_safetensors(args.weights))
labels = [line.rstrip('\n').split('\t')[-1] for line in open(args.labels)]
mean = torch.tensor([103.939, 116.779, 123.68]).view(3, 1, 1)
paths = sorted(os.path.join(d, f) for d, _, files in os.walk(args.folder) for f in files
               if f.lower().endswith(('.png', '.jpg', '.jpeg')))

start = time.perf_counter()
with torch.no_grad():
    for path in paths:
        original = Image.open(path).convert('RGB')
        image = original.resize((227, 227), Image.BILINEAR)
        pixels = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).view(227, 227, 3)
        x = pixels.permute(2, 0, 1).flip(0).float() - mean  # HWC RGB -> CHW BGR minus the means
        probabilities = torch.softmax(model(x.unsqueeze(0))[0], 0)
        top = torch.topk(probabilities, 5)
        record = {'input': path, 'width': original.width, 'height': original.height,
                  'classes': [{'label': labels[i], 'class': i, 'probability': p}
                              for p, i in zip(top.values.tolist(), top.indices.tolist())]}
        target = os.path.join(args.out, os.path.relpath(path, args.folder))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(os.path.splitext(target)[0] + '.json', 'w') as f:
            json.dump(record, f)
seconds = time.perf_counter() - start
print(json.dumps({'images': len(paths), 'seconds': seconds, 'images_per_s': len(paths) / seconds, 'threads': args.threads}))
