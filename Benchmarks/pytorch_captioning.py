#!/usr/bin/env python3
"""The captioner's two measurements in PyTorch eager, CPU: the references `glimpse-bench lstm-step`
and `glimpse-bench nic` are compared against in Benchmarks/captioning.sh.

1. LSTM training step: nn.Embedding(2000, 256) -> nn.LSTM(256, 256, batch_first) -> nn.Linear(256,
   2000) -> F.cross_entropy on ids [32, 16], loss.backward() (every parameter's gradient), no
   optimizer update. Parameters, ids and targets come from out/lstm-step-bench.safetensors (written
   by `glimpse-bench lstm-step --reference`); the check compares the loss and every gradient with
   Glimpse's (relative: max |difference| / max |Glimpse's| <= 1e-4).
2. NIC beam-3 captioning of 500 images from pooled features [500, D]: the same network
   (Sources/GlimpseCaptioning/NICNetwork.swift, NICDecoder.swift) loading the same weights file by
   key: image_embedding (nn.Linear), word_embedding (nn.Embedding), lstm (nn.LSTMCell, PyTorch's gate
   order i, f, g, o, as Glimpse's), logits (nn.Linear), log-softmax; with first-input feeding the
   image embedding is one LSTM step from a zero state, then <s> (id 1). The beam search follows
   BeamSearch.swift's rules, batched over the images: per image the candidates are each live beam's
   best 2k tokens, ranked by cumulative log-probability, then the lower token id, then the lower
   beam index; walking the best 2k, </s> finishes a caption (no live slot), anything else becomes a
   live beam until k are live; at step max_length the beams left are cut; an image stops once it
   has `count` finished captions and its best live beam is no better than the count-th finished one.
   The check reads out/nic-bench.safetensors (features, three steps' log-probabilities, captions,
   written by `glimpse-bench nic --reference`): log-probabilities within 1e-4, and the number of
   images whose captions (token lists) are identical.

Prints one JSON object per line:
  {"impl": "pytorch", "metric": "lstm_step_ms", "threads": N, "median": x, "reps": r}
  {"impl": "pytorch", "metric": "nic_batched_ms" | "nic_single_ms", "threads": N, "median": x, "reps": r}
  and the check's figures (lstm_loss_rel_diff, lstm_grad_rel_diff, nic_logp_max_abs_diff, nic_agree_c1, ...).

Usage: pytorch_captioning.py --mode check|time [--weights FILE] [--threads 1,2] [--reps 10]
       [--single-reps 1] [--no-lstm-step] [--lstm-reference out/lstm-step-bench.safetensors]
       [--nic-reference out/nic-bench.safetensors]
"""

import argparse
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore", message=".*NumPy.*")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from pytorch_fast_rcnn import emit, read_safetensors  # noqa: E402  (the same file reader)

END, START = 2, 1  # CaptionVocabulary's ids of </s> and <s>


def median_ms(body, reps, warmup):
    for _ in range(warmup):
        body()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


# MARK: - LSTM training step

class LSTMStep(nn.Module):
    """Embedding -> LSTM -> Linear with the parameters `w` (Glimpse's names)."""

    def __init__(self, w):
        super().__init__()
        v, e = w["embedding.weight"].shape
        h = w["lstm.weight_hh"].shape[1]
        self.embedding, self.lstm, self.logits = nn.Embedding(v, e), nn.LSTM(e, h, batch_first=True), nn.Linear(h, v)
        with torch.no_grad():
            self.embedding.weight.copy_(w["embedding.weight"])
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(self.lstm, name + "_l0").copy_(w["lstm." + name])
            self.logits.weight.copy_(w["logits.weight"])
            self.logits.bias.copy_(w["logits.bias"])

    def gradients(self):
        """Glimpse's name -> gradient."""
        out = {"embedding.weight": self.embedding.weight.grad, "logits.weight": self.logits.weight.grad,
               "logits.bias": self.logits.bias.grad}
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            out["lstm." + name] = getattr(self.lstm, name + "_l0").grad
        return out

    def step(self, ids, targets):
        """Forward, loss, backward (gradients set, not accumulated); returns the loss."""
        self.zero_grad(set_to_none=True)
        outputs, _ = self.lstm(self.embedding(ids))
        loss = F.cross_entropy(self.logits(outputs.reshape(-1, outputs.shape[2])), targets)
        loss.backward()
        return loss


def lstm_inputs(path):
    reference, _ = read_safetensors(path)
    model = LSTMStep(reference)
    return model, reference["ids"].long(), reference["targets"].long(), reference


def check_lstm(path):
    """Loss and gradients against Glimpse's; returns whether they agree within 1e-4 (relative)."""
    model, ids, targets, reference = lstm_inputs(path)
    loss = model.step(ids, targets).item()
    expected = reference["loss"].item()
    loss_diff = abs(loss - expected) / abs(expected)
    emit(impl="pytorch", metric="lstm_loss", value=loss, glimpse=expected, rel_diff=loss_diff)
    worst = 0.0
    for name, grad in model.gradients().items():
        theirs = reference["grad." + name]
        diff = ((grad - theirs).abs().max() / theirs.abs().max()).item()
        emit(impl="pytorch", metric="lstm_grad_rel_diff", name=name, value=diff,
             sample=[round(x, 8) for x in grad.flatten()[:3].tolist()],
             glimpse_sample=[round(x, 8) for x in theirs.flatten()[:3].tolist()])
        worst = max(worst, diff)
    emit(impl="pytorch", metric="lstm_check", loss_rel_diff=loss_diff, worst_grad_rel_diff=worst)
    return loss_diff <= 1e-4 and worst <= 1e-4


# MARK: - NIC

class NIC(nn.Module):
    """NICNetwork's decoder (LSTM) with the weights `w`; `feeding` first-input or initial-state."""

    def __init__(self, w, feeding):
        super().__init__()
        d = w["image_embedding.weight"].shape[1]
        v, e = w["word_embedding.weight"].shape
        h = w["lstm.weight_hh"].shape[1]
        self.feeding, self.hidden = feeding, h
        self.image_embedding = nn.Linear(d, w["image_embedding.weight"].shape[0])
        self.word_embedding = nn.Embedding(v, e)
        self.lstm = nn.LSTMCell(e, h)
        self.logits = nn.Linear(h, v)
        with torch.no_grad():
            for module, prefix in ((self.image_embedding, "image_embedding"), (self.logits, "logits")):
                module.weight.copy_(w[prefix + ".weight"])
                module.bias.copy_(w[prefix + ".bias"])
            self.word_embedding.weight.copy_(w["word_embedding.weight"])
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(self.lstm, name).copy_(w["lstm." + name])

    def start(self, features):
        """NICDecoder.start: features [N, D] -> (h, c), each [N, H]."""
        projected = self.image_embedding(features)
        zeros = torch.zeros(features.shape[0], self.hidden)
        if self.feeding == "first-input":
            return self.lstm(projected, (zeros, zeros))
        return projected, zeros

    def step(self, tokens, state):
        """NICDecoder.step: tokens [B] -> (log-probabilities [B, V], (h, c))."""
        h, c = self.lstm(self.word_embedding(tokens), state)
        return F.log_softmax(self.logits(h), dim=1), (h, c)


def beam_search(model, features, beam, max_length, count):
    """BeamSearch.decode with length normalisation 0: per row of `features` [N, D], up to `count`
    (tokens, log-probability, finished) best first. All live beams of all images are one batch."""
    n = features.shape[0]
    limit = 2 * beam
    vocabulary = model.logits.out_features
    per_beam = min(limit, vocabulary)
    finished = [[] for _ in range(n)]
    unfinished = [[] for _ in range(n)]
    finished_best = torch.full((n, count), -float("inf"))  # each image's best `count` finished log-probabilities
    state = model.start(features)
    row_image = torch.arange(n)  # rows are ordered by image, then beam
    row_beam = torch.zeros(n, dtype=torch.long)
    row_logp = torch.zeros(n)
    history = torch.zeros(n, 0, dtype=torch.long)
    tokens = torch.full((n,), START, dtype=torch.long)
    beam_offsets = torch.arange(beam).repeat_interleave(per_beam)
    position = 0
    while tokens.numel() > 0:
        logp, state = model.step(tokens, state)
        values, ids = (row_logp[:, None] + logp).topk(per_beam, dim=1)
        images, beam_counts = torch.unique_consecutive(row_image, return_counts=True)
        a = images.numel()
        image_position = torch.repeat_interleave(torch.arange(a), beam_counts)
        first_row = torch.cumsum(beam_counts, 0) - beam_counts
        # Candidates per image [A, beam * per_beam], beam-major; missing beams at -inf.
        cand_v = torch.full((a, beam, per_beam), -float("inf"))
        cand_t = torch.full((a, beam, per_beam), vocabulary, dtype=torch.long)
        cand_v[image_position, row_beam] = values
        cand_t[image_position, row_beam] = ids
        cand_v, cand_t = cand_v.reshape(a, -1), cand_t.reshape(a, -1)
        cand_b = beam_offsets.expand(a, -1)
        # Rank by (log-probability desc, token asc, beam asc): stable sorts, last key first.
        order = torch.sort(cand_t, dim=1, stable=True).indices
        cand_v, cand_t, cand_b = cand_v.gather(1, order), cand_t.gather(1, order), cand_b.gather(1, order)
        order = torch.sort(cand_v, dim=1, descending=True, stable=True).indices[:, :limit]
        cand_v, cand_t, cand_b = cand_v.gather(1, order), cand_t.gather(1, order), cand_b.gather(1, order)
        # The walk: a candidate is taken while fewer than `beam` live beams were taken before it.
        valid = cand_v > -float("inf")
        is_end = valid & (cand_t == END)
        grows = valid & ~is_end
        live_before = torch.cumsum(grows, 1) - grows.long()
        open_slot = live_before < beam
        ends, live = is_end & open_slot, grows & open_slot
        ended_rows = torch.zeros(row_image.numel(), dtype=torch.bool)
        if ends.any():
            ea, ej = ends.nonzero(as_tuple=True)
            parents = first_row[ea] + cand_b[ea, ej]
            ended_rows[parents] = True
            for image, words, lp in zip(images[ea].tolist(), history[parents].tolist(), cand_v[ea, ej].tolist()):
                finished[image].append((words, lp, True))
            merged = torch.cat([finished_best[images], torch.where(ends, cand_v, -float("inf"))], dim=1)
            finished_best[images] = merged.sort(dim=1, descending=True).values[:, :count]
        if position == max_length:
            for row in (~ended_rows).nonzero(as_tuple=True)[0].tolist():
                unfinished[row_image[row].item()].append((history[row].tolist(), row_logp[row].item(), False))
            break
        # Stop an image whose best live beam cannot beat its count-th finished caption.
        best_live = torch.where(live, cand_v, -float("inf")).max(dim=1).values
        live &= ~(best_live <= finished_best[images, count - 1])[:, None]
        la, lj = live.nonzero(as_tuple=True)  # image by image, in walk order
        parents = first_row[la] + cand_b[la, lj]
        tokens = cand_t[la, lj]
        row_image = images[la]
        row_beam = (torch.cumsum(live, 1) - 1)[la, lj]
        row_logp = cand_v[la, lj]
        history = torch.cat([history[parents], tokens[:, None]], dim=1)
        state = (state[0][parents], state[1][parents])
        position += 1
    results = []
    for image in range(n):
        done = sorted(finished[image], key=lambda caption: -caption[1])  # stable: finishing order breaks ties
        cut = sorted(unfinished[image], key=lambda caption: -caption[1])
        results.append((done[:count] + cut[:count - len(done[:count])]))
    return results


def nic_model(weights_path):
    weights, metadata = read_safetensors(weights_path)
    if metadata.get("captioner.method") != "nic" or metadata.get("captioner.cell") != "lstm":
        raise SystemExit(f"pytorch_captioning.py: {weights_path}: not NIC weights with an LSTM")
    return NIC(weights, metadata["captioner.feeding"]), int(metadata["captioner.max_length"])


def glimpse_captions(reference, count):
    """The captions glimpse-bench wrote for `count`: per image a list of (tokens, log-probability, finished)."""
    tokens, logp, done = reference[f"captions_c{count}"], reference[f"logp_c{count}"], reference[f"finished_c{count}"]
    out = []
    for i in range(tokens.shape[0]):
        captions = []
        for j in range(count):
            if done[i, j] < 0:
                continue
            words = [int(t) for t in tokens[i, j].tolist() if t >= 0]
            captions.append((words, logp[i, j].item(), bool(done[i, j] > 0)))
        out.append(captions)
    return out


def check_nic(weights_path, reference_path):
    """Log-probabilities within 1e-4 and the number of images whose captions agree; returns whether the log-probabilities agree."""
    model, max_length = nic_model(weights_path)
    reference, metadata = read_safetensors(reference_path)
    beam = int(metadata["beam"])
    with torch.no_grad():
        features = reference["features"]
        state = model.start(features)
        worst = 0.0
        for step in range(3):
            logp, state = model.step(reference[f"tokens_step{step}"].long(), state)
            worst = max(worst, (logp - reference[f"logp_step{step}"]).abs().max().item())
        emit(impl="pytorch", metric="nic_logp_max_abs_diff", value=worst)
        for count in sorted({int(k[len("captions_c"):]) for k in reference if k.startswith("captions_c")}):
            mine = beam_search(model, features, beam, max_length, count)
            theirs = glimpse_captions(reference, count)
            agree = sum(1 for a, b in zip(mine, theirs) if [(c[0], c[2]) for c in a] == [(c[0], c[2]) for c in b])
            logp_diff = max((abs(x[1] - y[1]) for a, b in zip(mine, theirs) if len(a) == len(b) for x, y in zip(a, b)),
                            default=0.0)
            emit(impl="pytorch", metric=f"nic_agree_c{count}", value=agree, images=len(theirs),
                 caption_logp_max_abs_diff=logp_diff)
            differing = [i for i, (a, b) in enumerate(zip(mine, theirs)) if [c[0] for c in a] != [c[0] for c in b]]
            for i in differing[:3]:
                print(f"pytorch_captioning.py: image {i} (count {count}): PyTorch {mine[i]}, Glimpse {theirs[i]}", file=sys.stderr)
    return worst <= 1e-4


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["check", "time"], required=True)
    parser.add_argument("--weights", default=None, help="default: the file glimpse-bench used (the NIC reference's metadata)")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--single-reps", type=int, default=1)
    parser.add_argument("--no-lstm-step", action="store_true", help="time the captioning only")
    parser.add_argument("--lstm-reference", default="out/lstm-step-bench.safetensors")
    parser.add_argument("--nic-reference", default="out/nic-bench.safetensors")
    args = parser.parse_args()
    _, metadata = read_safetensors(args.nic_reference)
    weights = args.weights or metadata["weights"]
    if args.mode == "check":
        emit(impl="pytorch", metric="version", value=torch.__version__)
        torch.set_num_threads(1)
        ok_lstm = check_lstm(args.lstm_reference)
        ok_nic = check_nic(weights, args.nic_reference)
        if not (ok_lstm and ok_nic):
            print("pytorch_captioning.py: PyTorch and Glimpse disagree beyond 1e-4 (see the lines above)", file=sys.stderr)
            sys.exit(1)
        return
    model, ids, targets, _ = lstm_inputs(args.lstm_reference)
    nic, max_length = nic_model(weights)
    reference, _ = read_safetensors(args.nic_reference)
    features = reference["features"]
    beam, count = int(metadata["beam"]), int(metadata["count"])
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        if not args.no_lstm_step:
            emit(impl="pytorch", metric="lstm_step_ms", threads=threads, reps=args.reps,
                 median=median_ms(lambda: model.step(ids, targets), args.reps, 3))
        with torch.no_grad():
            emit(impl="pytorch", metric="nic_batched_ms", threads=threads, reps=args.reps,
                 median=median_ms(lambda: beam_search(nic, features, beam, max_length, count), args.reps, args.warmup))
            rows = [features[i:i + 1] for i in range(features.shape[0])]
            emit(impl="pytorch", metric="nic_single_ms", threads=threads, reps=args.single_reps,
                 median=median_ms(lambda: [beam_search(nic, row, beam, max_length, count) for row in rows], args.single_reps, 0))


if __name__ == "__main__":
    main()
