#!/usr/bin/env python3
"""DeepConvNet ("Deep Learning from Scratch", ch08 deep_convnet.py) in PyTorch eager, CPU.

The reference Glimpse is compared against in Benchmarks/run.sh. Prints one JSON object per line:
  {"impl": "pytorch", "metric": "version", "value": "..."}
  {"impl": "pytorch", "metric": "train_step_ms", "threads": N, "median": x, "reps": r}
  {"impl": "pytorch", "metric": "infer_images_per_s", "threads": N, "median": x, "reps": r}

train_step_ms: train mode; zero_grad, forward, softmax cross-entropy, backward, Adam(lr=0.001) step,
at batch 100. infer_images_per_s: eval mode under no_grad, batch 100; 100 / median seconds per forward.

Usage: pytorch_deepconvnet.py [--threads 1,2] [--reps 30] [--warmup 5] [--batch 100]
"""

import argparse
import json
import statistics
import sys
import time
import warnings

# The CPU wheel works without NumPy; don't let its import-time warning clutter the output.
warnings.filterwarnings("ignore", message=".*NumPy.*")

import torch  # noqa: E402
from torch import nn  # noqa: E402


def emit(**fields):
    print(json.dumps(fields), flush=True)


def deep_convnet() -> nn.Sequential:
    """conv-relu-conv-relu-pool x3, then Linear-ReLU-Dropout-Linear-Dropout; input [N, 1, 28, 28]."""

    def conv(cin, cout, pad=1):
        return nn.Conv2d(cin, cout, kernel_size=3, stride=1, padding=pad)

    model = nn.Sequential(
        conv(1, 16), nn.ReLU(), conv(16, 16), nn.ReLU(), nn.MaxPool2d(2),
        conv(16, 32), nn.ReLU(), conv(32, 32, pad=2), nn.ReLU(), nn.MaxPool2d(2),
        conv(32, 64), nn.ReLU(), conv(64, 64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 4 * 4, 50), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(50, 10), nn.Dropout(0.5),
    )
    # He initialisation as in the book (weights only matter for realism, not for speed).
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return model


def count_macs(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-accumulates of one forward pass of `x`'s batch, from the real layer shapes."""
    total = 0

    def hook(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            per_output = module.in_channels // module.groups * kh * kw
            total += output.numel() * per_output
        elif isinstance(module, nn.Linear):
            total += output.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return total


def time_median(fn, warmup: int, reps: int) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--reps", type=int, default=30, help="timed repetitions (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed warm-up repetitions (default 5)")
    parser.add_argument("--batch", type=int, default=100, help="batch size (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.replace(" ", ",").split(",") if t]

    emit(impl="pytorch", metric="version", value=torch.__version__)
    emit(impl="pytorch", metric="cpu_capability", value=torch.backends.cpu.get_cpu_capability())

    torch.manual_seed(args.seed)
    x = torch.randn(args.batch, 1, 28, 28)
    t = torch.randint(0, 10, (args.batch,))
    model = deep_convnet()
    emit(impl="pytorch", metric="forward_macs_per_image", value=count_macs(model, x[:1]))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

    def train_step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        optimizer.step()

    def infer():
        with torch.no_grad():
            model(x)

    for n in threads:
        torch.set_num_threads(n)
        if torch.get_num_threads() != n:
            print(f"pytorch: warning: asked for {n} threads, torch uses {torch.get_num_threads()}",
                  file=sys.stderr)
        model.train()
        seconds = time_median(train_step, args.warmup, args.reps)
        emit(impl="pytorch", metric="train_step_ms", threads=n, median=seconds * 1e3, reps=args.reps)
        model.eval()
        seconds = time_median(infer, args.warmup, args.reps)
        emit(impl="pytorch", metric="infer_images_per_s", threads=n, median=args.batch / seconds,
             reps=args.reps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
