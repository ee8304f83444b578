#!/usr/bin/env python3
"""Turns the JSON lines collected by Benchmarks/run.sh into a Markdown table (standard library only).

Usage: table.py RESULTS.jsonl [--threads 1,2] [--batch 100]

Input lines (anything else is ignored):
  {"impl": "glimpse"|"pytorch", "metric": "train_step_ms"|"infer_images_per_s", "threads": N, "median": x}
  {"impl": "openblas", "metric": "sgemm_gflops", "threads": N, "median": x}
  {"impl": ..., "metric": "version"|"config"|"corename"|"cpu_model"|"date"|..., "value": "..."}
  {"impl": ..., "metric": "error", "threads": N, "value": "..."}   (a step that failed)
"""

import argparse
import json
import statistics
import sys

# DeepConvNet on [N, 1, 28, 28]: (name, kind, in_channels, out_channels, input_hw, padding) for
# 3x3 stride-1 convolutions, (name, "linear", in_features, out_features) for the linears.
# MaxPool2d(2) halves the spatial size after conv2, conv4, conv6.
LAYERS = [
    ("conv1 3x3 1->16 p1", "conv", 1, 16, 28, 1),
    ("conv2 3x3 16->16 p1", "conv", 16, 16, 28, 1),
    ("conv3 3x3 16->32 p1", "conv", 16, 32, 14, 1),
    ("conv4 3x3 32->32 p2", "conv", 32, 32, 14, 2),
    ("conv5 3x3 32->64 p1", "conv", 32, 64, 8, 1),
    ("conv6 3x3 64->64 p1", "conv", 64, 64, 8, 1),
    ("fc1 1024->50", "linear", 64 * 4 * 4, 50),
    ("fc2 50->10", "linear", 50, 10),
]


def layer_macs():
    """[(name, output shape text, MACs per image)]: conv = H_out*W_out*C_out*C_in*9, linear = in*out."""
    rows = []
    for layer in LAYERS:
        if layer[1] == "conv":
            name, _, cin, cout, hw, pad = layer
            out = hw + 2 * pad - 3 + 1
            rows.append((name, f"{cout}x{out}x{out}", out * out * cout * cin * 9))
        else:
            name, _, fin, fout = layer
            rows.append((name, f"{fout}", fin * fout))
    return rows


def load(path):
    results, info, errors = {}, {}, []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            impl, metric = rec.get("impl"), rec.get("metric")
            if metric == "error":
                errors.append(rec)
            elif "median" in rec and "threads" in rec and rec["median"] is not None:
                # several rounds: keep them all, reduce to their median below
                results.setdefault((impl, metric, int(rec["threads"])), []).append(float(rec["median"]))
            elif "value" in rec:
                info[(impl, metric)] = rec["value"]
    results = {key: statistics.median(values) for key, values in results.items()}
    return results, info, errors


def fmt(x, digits=1):
    return "n/a" if x is None else f"{x:,.{digits}f}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.replace(" ", ",").split(",") if t]
    results, info, errors = load(args.results)

    macs = layer_macs()
    macs_per_image = sum(m for _, _, m in macs)
    fwd_flops_image = 2 * macs_per_image                      # forward: 2 FLOPs per MAC
    fwd_flops_batch = fwd_flops_image * args.batch
    train_flops = 3 * fwd_flops_batch                         # forward + backward (2x forward)

    def get(impl, metric, n):
        return results.get((impl, metric, n))

    out = []
    out.append("## DeepConvNet: Glimpse vs PyTorch (CPU)")
    out.append("")
    out.append(f"- CPU: {info.get(('env', 'cpu_model'), 'unknown')}")
    out.append(f"- Date: {info.get(('env', 'date'), 'unknown')}")
    openblas = info.get(("env", "openblas_package"), "unknown")
    config = info.get(("openblas", "config"))
    core = info.get(("openblas", "corename"))
    extra = ", ".join(x for x in [f"`{config}`" if config else None, f"core {core}" if core else None] if x)
    out.append(f"- OpenBLAS: {openblas}" + (f" ({extra})" if extra else ""))
    torch_version = info.get(("pytorch", "version"), "n/a")
    capability = info.get(("pytorch", "cpu_capability"))
    out.append(f"- PyTorch: {torch_version}" + (f" (CPU capability {capability})" if capability else ""))
    if ("env", "note") in info:
        out.append(f"- Environment: {info[('env', 'note')]}")
    if ("env", "loadavg") in info:
        after = info.get(("env", "loadavg_after"))
        out.append(f"- Load average (1, 5, 15 min) before the measurements: {info[('env', 'loadavg')]}"
                   + (f"; after: {after}" if after else "") + " (2 cores: above ~0.5 means something else was running)")
    peaks = ", ".join(f"{n} thread{'s' if n > 1 else ''}: {fmt(get('openblas', 'sgemm_gflops', n))} GFLOP/s"
                      for n in threads)
    out.append(f"- SGEMM peak (OpenBLAS, square n≈2048, best median over sizes): {peaks}")
    out.append(f"- FLOPs: forward {macs_per_image:,} MACs/image = {fwd_flops_image / 1e6:.3f} MFLOP/image; "
               f"training step at batch {args.batch} = 3 x forward = **{train_flops / 1e9:.3f} GFLOP** "
               f"(figure used); inference uses {fwd_flops_image / 1e6:.3f} MFLOP/image")
    torch_macs = info.get(("pytorch", "forward_macs_per_image"))
    if torch_macs is not None:
        agree = "agrees" if int(torch_macs) == macs_per_image else f"DISAGREES ({int(torch_macs):,})"
        out.append(f"- MAC count cross-check against PyTorch forward hooks on the real layers: {agree}")
    out.append("")

    over_peak = []
    out.append("| Metric | Threads | Glimpse | PyTorch | Glimpse/PyTorch | Faster | Glimpse % SGEMM peak | PyTorch % SGEMM peak |")
    out.append("|---|---:|---:|---:|---:|---|---:|---:|")
    metrics = [
        ("train_step_ms", "Training step, ms (lower is better)", False),
        ("infer_images_per_s", "Inference, images/s (higher is better)", True),
    ]
    for metric, label, higher_better in metrics:
        for n in threads:
            g, p = get("glimpse", metric, n), get("pytorch", metric, n)
            peak = get("openblas", "sgemm_gflops", n)
            ratio = g / p if g and p else None
            if ratio is None:
                faster = "n/a"
            else:
                glimpse_wins = ratio > 1 if higher_better else ratio < 1
                factor = ratio if ratio >= 1 else 1 / ratio
                faster = f"{'Glimpse' if glimpse_wins else 'PyTorch'} {factor:.2f}x"

            def pct(value):
                if value is None or not peak:
                    return "n/a"
                gflops = train_flops / (value / 1e3) / 1e9 if metric == "train_step_ms" \
                    else fwd_flops_image * value / 1e9
                if gflops > peak:
                    over_peak.append(n)
                return f"{100 * gflops / peak:.1f}% ({gflops:.1f} GFLOP/s)"

            digits = 1 if metric == "train_step_ms" else 0
            out.append(f"| {label} | {n} | {fmt(g, digits)} | {fmt(p, digits)} | "
                       f"{'n/a' if ratio is None else f'{ratio:.2f}'} | {faster} | {pct(g)} | {pct(p)} |")
    out.append("")
    out.append("Glimpse/PyTorch: for milliseconds below 1 means Glimpse is faster; for images/s above 1 "
               "means Glimpse is faster. % SGEMM peak = achieved GFLOP/s over OpenBLAS SGEMM GFLOP/s at the "
               "same thread count (training: FLOPs above / step time; inference: forward FLOPs per image x images/s). "
               "Each figure is the median over the rounds (Glimpse and PyTorch alternating) of each round's median over its timed repetitions, after warm-up.")
    # SqueezeNet 1.1 inference, same weights file for both
    squeeze_rows = []
    for batch in (1, 16):
        metric = f"squeezenet_b{batch}_images_per_s"
        for n in threads:
            g, p = get("glimpse", metric, n), get("pytorch", metric, n)
            if g is None and p is None:
                continue
            ratio = g / p if g and p else None
            faster = "n/a" if ratio is None else \
                f"{'Glimpse' if ratio > 1 else 'PyTorch'} {(ratio if ratio >= 1 else 1 / ratio):.2f}x"
            squeeze_rows.append(f"| batch {batch} | {n} | {fmt(g)} | {fmt(p)} | "
                                f"{'n/a' if ratio is None else f'{ratio:.2f}'} | {faster} |")
    if squeeze_rows:
        out.append("")
        out.append("### SqueezeNet 1.1 inference, 227x227, images/s (higher is better), the same safetensors weights in both")
        out.append("")
        out.append("| Batch | Threads | Glimpse | PyTorch | Glimpse/PyTorch | Faster |")
        out.append("|---|---:|---:|---:|---:|---|")
        out.extend(squeeze_rows)
        diff = info.get(("pytorch", "squeezenet_reference_max_abs_diff"))
        if diff is not None:
            out.append("")
            out.append(f"PyTorch's model with these weights matches the reference logits (chelsea) within {float(diff):.1e}.")
    if over_peak:
        out.append("")
        out.append("Warning: a result above 100% of the SGEMM peak means the SGEMM measurement was disturbed "
                   "(other work on the machine); rerun on an idle machine.")
    for e in errors:
        where = f" at {e['threads']} thread(s)" if "threads" in e else ""
        out.append("")
        out.append(f"Note: {e.get('impl')} {e.get('step', '')}{where} failed: {e.get('value', '')} (shown as n/a).")
    out.append("")
    out.append("<details><summary>FLOP count per layer (per image, forward)</summary>")
    out.append("")
    out.append("| Layer | Output | MACs | FLOPs (2 x MACs) |")
    out.append("|---|---|---:|---:|")
    for name, shape, m in macs:
        out.append(f"| {name} | {shape} | {m:,} | {2 * m:,} |")
    out.append(f"| **total** | | {macs_per_image:,} | {fwd_flops_image:,} |")
    out.append("")
    out.append(f"Training step = (forward + backward = 2 x forward) x batch {args.batch} = "
               f"3 x {fwd_flops_image:,} x {args.batch} = {train_flops:,} FLOPs. ReLU, pooling, softmax, "
               "dropout and the Adam update are not counted; nor is the fact that conv1 needs no input "
               f"gradient (the convention overstates the real backward by {macs[0][2] * 2 * args.batch / 1e9:.3f} GFLOP).")
    out.append("")
    out.append("</details>")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
