# Makes recurrent_torch.safetensors: one nn.LSTM and one nn.RNN (tanh) layer, batch_first, over a
# padded batch of 3 sequences of lengths 5, 2 and 4 (packed with pack_padded_sequence, so the
# padded steps are skipped), with a random initial state; the outputs (padded with zeros), the
# final states, and the gradients of L = sum(out * dy) + sum(h_n * dh) [+ sum(c_n * dc)] for every
# parameter, the input and the initial state, for GlimpseNNTests/RecurrentLayerTests.
#
# Run from the repository root with a PyTorch venv (Benchmarks/run.sh makes one):
#   Benchmarks/.venv/bin/python Tests/GlimpseNNTests/Golden/make_recurrent_golden.py
# Made with torch 2.13.0+cpu.
import json, struct
import torch, torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(0)
N, T, I, H = 3, 5, 3, 4
lengths = [5, 2, 4]
tensors = {}
for prefix, module in (('lstm', nn.LSTM(I, H, batch_first=True)), ('rnn', nn.RNN(I, H, batch_first=True))):
    x = torch.randn(N, T, I, requires_grad=True)
    h0 = torch.randn(1, N, H, requires_grad=True)
    state = h0
    if prefix == 'lstm':
        c0 = torch.randn(1, N, H, requires_grad=True)
        state = (h0, c0)
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    out, final = module(packed, state)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
    dy, dh = torch.randn(N, T, H), torch.randn(N, H)
    h_n = final[0] if prefix == 'lstm' else final
    loss = (out * dy).sum() + (h_n[0] * dh).sum()
    if prefix == 'lstm':
        dc = torch.randn(N, H)
        loss = loss + (final[1][0] * dc).sum()
        tensors['lstm.c0'], tensors['lstm.c_n'], tensors['lstm.dc'] = c0[0], final[1][0], dc
    loss.backward()
    for name in ('weight_ih', 'bias_ih', 'weight_hh', 'bias_hh'):
        p = getattr(module, name + '_l0')
        tensors[f'{prefix}.{name}'] = p
        tensors[f'{prefix}.grad.{name}'] = p.grad
    tensors[f'{prefix}.input'], tensors[f'{prefix}.h0'] = x, h0[0]
    tensors[f'{prefix}.output'], tensors[f'{prefix}.h_n'] = out, h_n[0]
    tensors[f'{prefix}.dy'], tensors[f'{prefix}.dh'] = dy, dh
    tensors[f'{prefix}.grad.input'], tensors[f'{prefix}.grad.h0'] = x.grad, h0.grad[0]
    if prefix == 'lstm':
        tensors['lstm.grad.c0'] = c0.grad[0]

# safetensors by hand (the format is simple; no extra package needed)
header, offset, blobs = {}, 0, []
for name in sorted(tensors):
    blob = tensors[name].detach().float().contiguous().view(-1).tolist()
    raw = struct.pack('<%df' % len(blob), *blob)
    header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(raw)]}
    offset += len(raw)
    blobs.append(raw)
header['__metadata__'] = {'lengths': ','.join(map(str, lengths)), 'torch': torch.__version__}
text = json.dumps(header, separators=(',', ':')).encode()
text += b' ' * ((8 - len(text) % 8) % 8)
with open('Tests/GlimpseNNTests/Golden/recurrent_torch.safetensors', 'wb') as f:
    f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
print(len(tensors), 'tensors,', offset, 'bytes')
