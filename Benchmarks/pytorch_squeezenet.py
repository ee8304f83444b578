"""SqueezeNet 1.1 inference in PyTorch eager on the CPU, with the same weights file Glimpse uses.

Builds the network exactly as Glimpse's SqueezeNet.make() (conv1 3x3/2 no padding, max-pools 3/2
floor, fire modules, conv10 1x1 without a ReLU, global average pool), loads
datasets/weights/squeezenet1_1.safetensors (read by hand: the format is 8 bytes of header length,
a JSON header, raw little-endian tensors), checks the logits on the reference input when the
team's reference file is there, and prints JSON lines:
  {"impl": "pytorch", "metric": "squeezenet_b1_images_per_s" | "squeezenet_b16_images_per_s", "threads": N, "median": x}
"""
import argparse, json, os, statistics, struct, time
import torch, torch.nn as nn


def read_safetensors(path):
    data = open(path, 'rb').read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    tensors = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        assert entry['dtype'] == 'F32', f'{name}: {entry["dtype"]}'
        begin, end = entry['data_offsets']
        raw = bytearray(data[8 + n + begin:8 + n + end])
        tensors[name] = torch.frombuffer(raw, dtype=torch.float32).reshape(entry['shape']).clone()
    return tensors


class Fire(nn.Module):
    def __init__(self, cin, squeeze, expand):
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.expand1x1 = nn.Conv2d(squeeze, expand, 1)
        self.expand3x3 = nn.Conv2d(squeeze, expand, 3, padding=1)

    def forward(self, x):
        s = torch.relu(self.squeeze(x))
        return torch.cat([torch.relu(self.expand1x1(s)), torch.relu(self.expand3x3(s))], 1)


class SqueezeNet11(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, stride=2)
        self.fire2, self.fire3 = Fire(64, 16, 64), Fire(128, 16, 64)
        self.fire4, self.fire5 = Fire(128, 32, 128), Fire(256, 32, 128)
        self.fire6, self.fire7 = Fire(256, 48, 192), Fire(384, 48, 192)
        self.fire8, self.fire9 = Fire(384, 64, 256), Fire(512, 64, 256)
        self.conv10 = nn.Conv2d(512, 1000, 1)

    def forward(self, x):
        pool = lambda t: nn.functional.max_pool2d(t, 3, 2)
        x = pool(torch.relu(self.conv1(x)))
        x = pool(self.fire3(self.fire2(x)))
        x = pool(self.fire5(self.fire4(x)))
        x = self.fire9(self.fire8(self.fire7(self.fire6(x))))
        return self.conv10(x).mean((2, 3))


def emit(**fields):
    print(json.dumps(fields), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--threads', default='1,2')
    parser.add_argument('--reps', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--weights', default='datasets/weights/squeezenet1_1.safetensors')
    parser.add_argument('--reference', default='/work/shared/datasets/weights/squeezenet1_1_reference.safetensors')
    args = parser.parse_args()
    model = SqueezeNet11().eval()
    model.load_state_dict(read_safetensors(args.weights))
    if os.path.exists(args.reference):
        ref = read_safetensors(args.reference)
        with torch.no_grad():
            diff = (model(ref['chelsea.input_nchw'])[0] - ref['chelsea.logits']).abs().max().item()
        emit(impl='pytorch', metric='squeezenet_reference_max_abs_diff', value=diff)
    torch.manual_seed(1)
    for n in [int(t) for t in args.threads.split(',') if t]:
        torch.set_num_threads(n)
        for batch in (1, 16):
            x = torch.rand(batch, 3, 227, 227) * 255 - 128
            times = []
            with torch.no_grad():
                for i in range(args.warmup + args.reps):
                    start = time.perf_counter()
                    model(x)
                    if i >= args.warmup:
                        times.append(time.perf_counter() - start)
            emit(impl='pytorch', metric=f'squeezenet_b{batch}_images_per_s', threads=n,
                 median=batch / statistics.median(times), reps=args.reps)


if __name__ == '__main__':
    main()
