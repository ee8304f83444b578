#!/usr/bin/env python3
"""A user's script as the bar (issue 20): `glimpse run Pipelines/classify.yaml` against what a user
would write instead (Benchmarks/pytorch_classify_folder.py: Pillow decode and resize, the same
SqueezeNet 1.1 in PyTorch eager with the shipped weights, top 5, one JSON per image) on the same
folder, at 1 and 2 threads, alternating, in one run. Never run by the tests or CI.

The folder is N copies of the sample photos (datasets/samples/*.png, *.jpg except the masks), as
Benchmarks/pipeline.py makes it. Glimpse is timed as a whole process (start-up, weights, scan,
ledger, report.html included) with `--jobs T`; the script by its own timed loop over the images
(imports and the model load excluded) with `torch.set_num_threads(T)`. Each round runs every
binary and the script once per thread count; the table gives medians over the rounds and the
ratio of each binary's images/s to the script's. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which
this machine exports and which halve OpenBLAS's speed, are unset for every run.

  python3 Benchmarks/classify-vs-pytorch.py --images 200 --rounds 3
  python3 Benchmarks/classify-vs-pytorch.py --glimpse ../before/.build/release/glimpse .build/release/glimpse,--batch,8

`--glimpse PATH[,ARG,...]` names the binaries (default: this checkout's release build), each
with extra `glimpse run` arguments after commas. PyTorch comes from Benchmarks/torch-venv.sh's
venv (Pillow added to it on first use).
"""
import argparse, json, os, shutil, statistics, subprocess, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
environment = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
parser = argparse.ArgumentParser()
parser.add_argument("--images", type=int, default=200)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
parser.add_argument("--glimpse", nargs="+", default=[os.path.join(root, ".build/release/glimpse")])
parser.add_argument("--pipeline", default="Pipelines/classify.yaml")
args = parser.parse_args()

python = subprocess.run(["bash", os.path.join(root, "Benchmarks/torch-venv.sh")], capture_output=True, text=True,
                        check=True).stdout.strip()
if subprocess.run([python, "-c", "import PIL"], capture_output=True).returncode != 0:
    subprocess.run([python, "-m", "pip", "install", "-q", "pillow"], check=True)

samples = sorted(f for f in os.listdir(os.path.join(root, "datasets/samples"))
                 if f.endswith((".png", ".jpg")) and "mask" not in f)
work = tempfile.mkdtemp(prefix="glimpse-vs-pytorch-")
folder = os.path.join(work, "in")
for i in range(args.images):
    name = samples[i % len(samples)]
    os.makedirs(os.path.join(folder, str(i // 100)), exist_ok=True)
    shutil.copy(os.path.join(root, "datasets/samples", name), os.path.join(folder, str(i // 100), f"{i}-{name}"))


def run_glimpse(spec, threads):
    binary, *extra = spec.split(",")
    out = os.path.join(work, "out-glimpse")
    start = time.monotonic()
    result = subprocess.run([binary, "run", os.path.join(root, args.pipeline), folder, "-o", out, "--quiet",
                             "--jobs", str(threads)] + extra, capture_output=True, text=True, env=environment, cwd=root)
    seconds = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    shutil.rmtree(out)
    return args.images / seconds


def run_script(threads):
    out = os.path.join(work, "out-pytorch")
    result = subprocess.run([python, os.path.join(root, "Benchmarks/pytorch_classify_folder.py"), folder, out,
                             "--threads", str(threads)], capture_output=True, text=True, env=environment, cwd=root)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["images"] == args.images, line
    shutil.rmtree(out)
    return line["images_per_s"]


rates = {}
try:
    for _ in range(args.rounds):
        for threads in args.threads:
            for spec in args.glimpse:
                rates.setdefault((spec, threads), []).append(run_glimpse(spec, threads))
                print(f"# {threads} threads, {spec}: {rates[(spec, threads)][-1]:.1f} images/s", flush=True)
            rates.setdefault(("pytorch", threads), []).append(run_script(threads))
            print(f"# {threads} threads, PyTorch script: {rates[('pytorch', threads)][-1]:.1f} images/s", flush=True)
finally:
    shutil.rmtree(work)

print(f"{args.images} images ({', '.join(samples)} repeated), {args.rounds} rounds alternating, medians; "
      "glimpse: whole process; PyTorch script: its timed loop")
print("| threads | program | images/s (median) | per round | / PyTorch script |")
print("| ---: | --- | ---: | --- | ---: |")
for threads in args.threads:
    script = statistics.median(rates[("pytorch", threads)])
    for spec in args.glimpse + ["pytorch"]:
        values = rates[(spec, threads)]
        label = "PyTorch script" if spec == "pytorch" else "glimpse " + os.path.relpath(spec.split(",")[0], root) \
            + "".join(" " + a for a in spec.split(",")[1:])
        median = statistics.median(values)
        print(f"| {threads} | {label} | {median:.1f} | {', '.join(f'{v:.1f}' for v in values)} | {median / script:.2f} |")
