# Makes deepconvnet_torch.safetensors: DeepConvNet (without its dropout layers) in PyTorch,
# its weights, a batch of the first 8 real MNIST training images with their labels, and the
# mean cross-entropy loss with every parameter's gradient, for GlimpseNNTests/TorchParityTests.
#
# Run from the repository root with a PyTorch venv (Benchmarks/run.sh makes one):
#   Benchmarks/.venv/bin/python Tests/GlimpseNNTests/Golden/make_deepconvnet_golden.py
# Made with torch 2.13.0+cpu.
import gzip, json, struct
import torch, torch.nn as nn

torch.manual_seed(0)
def load(path):
    data = gzip.open(path).read()
    magic, count = struct.unpack('>II', data[:8])
    if magic == 0x803:
        return torch.frombuffer(bytearray(data[16:16 + 8 * 784]), dtype=torch.uint8).view(8, 1, 28, 28).float() / 255
    return torch.frombuffer(bytearray(data[8:16]), dtype=torch.uint8).long()

images = load('datasets/mnist/train-images.idx3-ubyte.gz')
labels = load('datasets/mnist/train-labels.idx1-ubyte.gz')

def conv(i, o, p=1):
    c = nn.Conv2d(i, o, 3, padding=p)
    nn.init.normal_(c.weight, 0, (2 / (i * 9)) ** 0.5)
    nn.init.normal_(c.bias, 0, 0.1)
    return c
def linear(i, o):
    l = nn.Linear(i, o)
    nn.init.normal_(l.weight, 0, (2 / i) ** 0.5)
    nn.init.normal_(l.bias, 0, 0.1)
    return l
layers = dict(conv1=conv(1, 16), conv2=conv(16, 16), conv3=conv(16, 32), conv4=conv(32, 32, 2),
              conv5=conv(32, 64), conv6=conv(64, 64), fc1=linear(1024, 50), fc2=linear(50, 10))
L = layers
net = nn.Sequential(L['conv1'], nn.ReLU(), L['conv2'], nn.ReLU(), nn.MaxPool2d(2),
                    L['conv3'], nn.ReLU(), L['conv4'], nn.ReLU(), nn.MaxPool2d(2),
                    L['conv5'], nn.ReLU(), L['conv6'], nn.ReLU(), nn.MaxPool2d(2),
                    nn.Flatten(), L['fc1'], nn.ReLU(), L['fc2'])
logits = net(images)
loss = nn.functional.cross_entropy(logits, labels)
loss.backward()

tensors = {}
for name, layer in layers.items():
    for kind in ('weight', 'bias'):
        p = getattr(layer, kind)
        tensors[f'{name}.{kind}'] = p.detach().contiguous()
        tensors[f'grad.{name}.{kind}'] = p.grad.detach().contiguous()
tensors['input'] = images.contiguous()
tensors['logits'] = logits.detach().contiguous()

# safetensors by hand (the format is simple; no extra package needed)
header, offset, blobs = {}, 0, []
for name in sorted(tensors):
    blob = tensors[name].float().contiguous().view(-1).tolist()
    raw = struct.pack('<%df' % len(blob), *blob)
    header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(raw)]}
    offset += len(raw)
    blobs.append(raw)
header['__metadata__'] = {'loss': repr(loss.item()), 'labels': ','.join(str(int(v)) for v in labels),
                          'torch': torch.__version__}
text = json.dumps(header, separators=(',', ':')).encode()
text += b' ' * ((8 - len(text) % 8) % 8)
with open('Tests/GlimpseNNTests/Golden/deepconvnet_torch.safetensors', 'wb') as f:
    f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
print('loss', loss.item())
