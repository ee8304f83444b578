#!/usr/bin/env python3
"""Writes a PNG of every colour type and bit depth (plus Adam7 and tRNS variants) with
samples from a formula the Swift tests recompute, and two hostile files (huge declared
size, a decompression bomb). Pure Python (struct + zlib), so the bytes are exactly known.

Sample formula (x column, y row, c channel, d bit depth):
    s = ((x * 31 + y * 17 + c * 101) * 2654435761) % 2**d
Palette files: index = s with c = 0 (d = bit depth), palette entry i = (i*7, 255 - i*3, i*13) mod 256.
Size: 13 x 11 (odd, so packed rows end mid-byte and every Adam7 pass is partial).
"""
import struct, zlib, sys, os

W, H = 13, 11

def sample(x, y, c, d):
    return ((x * 31 + y * 17 + c * 101) * 2654435761) % (1 << d)

def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xffffffff)

def pack_row(values, depth):
    if depth == 16:
        return b"".join(struct.pack(">H", v) for v in values)
    if depth == 8:
        return bytes(values)
    per = 8 // depth
    out = bytearray()
    for i in range(0, len(values), per):
        byte = 0
        group = values[i:i + per]
        for j, v in enumerate(group):
            byte |= v << (8 - depth * (j + 1))
        out.append(byte)
    return bytes(out)

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def png(color_type, depth, interlace=False, trns=None, palette=None):
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    def pixel_values(x, y):
        return [sample(x, y, c, depth) for c in range(channels)]
    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for (x0, y0, dx, dy) in passes:
        xs = list(range(x0, W, dx))
        if not xs:
            continue
        for y in range(y0, H, dy):
            values = []
            for x in xs:
                values.extend(pixel_values(x, y))
            raw += b"\x00" + pack_row(values, depth)
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, depth, color_type, 0, 0, 1 if interlace else 0))
    if palette is not None:
        out += chunk(b"PLTE", bytes(v for entry in palette for v in entry))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    out += chunk(b"IDAT", zlib.compress(bytes(raw), 9))
    out += chunk(b"IEND", b"")
    return out

def palette_of(depth):
    return [((i * 7) % 256, (255 - i * 3) % 256, (i * 13) % 256) for i in range(1 << depth)]

files = {}
for d in (1, 2, 4, 8, 16):
    files[f"gray{d}.png"] = png(0, d)
for d in (8, 16):
    files[f"rgb{d}.png"] = png(2, d)
    files[f"graya{d}.png"] = png(4, d)
    files[f"rgba{d}.png"] = png(6, d)
for d in (1, 2, 4, 8):
    files[f"palette{d}.png"] = png(3, d, palette=palette_of(d))
files["rgb8-adam7.png"] = png(2, 8, interlace=True)
files["gray2-adam7.png"] = png(0, 2, interlace=True)
files["palette4-adam7.png"] = png(3, 4, interlace=True, palette=palette_of(4))
# tRNS: gray value 0 transparent; palette entries 0..3 alpha 0, 64, 128, 192.
files["gray8-trns.png"] = png(0, 8, trns=struct.pack(">H", 0))
files["palette8-trns.png"] = png(3, 8, palette=palette_of(8), trns=bytes([0, 64, 128, 192]))

# Hostile: a header declaring 100000 x 100000 RGB, and a bomb: 30000 x 30000 gray whose
# IDAT is the first 2 KB of deflated zeros (the full stream would inflate to 900 MB).
def hostile(width, height, color_type, idat):
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
    out += chunk(b"IDAT", idat)
    out += chunk(b"IEND", b"")
    return out
files["huge-dimensions.png"] = hostile(100000, 100000, 2, zlib.compress(b"\x00" * 1000))
rows = zlib.compressobj(9)
bomb = rows.compress(b"\x00" * (30001 * 2000)) + rows.flush(zlib.Z_SYNC_FLUSH)
files["bomb.png"] = hostile(30000, 30000, 0, bomb[:2048])

here = os.path.dirname(os.path.abspath(__file__))
for name, data in files.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
print(f"wrote {len(files)} PNG fixtures")
