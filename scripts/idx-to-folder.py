#!/usr/bin/env python3
"""Writes images of an MNIST-family IDX set as a folder of class subfolders of PNG files.

An independent way (Python's standard library only: gzip, struct, zlib) to turn IDX data into
the layout `glimpse finetune --data DIR` reads, so the folder path is tested on real data.

usage: idx-to-folder.py IMAGES.idx[.gz] LABELS.idx[.gz] OUT [--limit N] [--names a,b,c,...]
"""
import argparse, gzip, os, struct, zlib


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def png_gray(width, height, pixels):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("images"); parser.add_argument("labels"); parser.add_argument("out")
    parser.add_argument("--limit", type=int); parser.add_argument("--names")
    args = parser.parse_args()
    (count, height, width), pixels = read_idx(args.images)
    (label_count,), labels = read_idx(args.labels)
    if label_count != count:
        raise SystemExit(f"{args.labels}: {label_count} labels for {count} images")
    names = args.names.split(",") if args.names else None
    count = min(count, args.limit or count)
    size = height * width
    for i in range(count):
        label = labels[i]
        folder = os.path.join(args.out, names[label] if names else str(label))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{i:05d}.png"), "wb") as f:
            f.write(png_gray(width, height, pixels[i * size:(i + 1) * size]))
    print(f"{count} images written under {args.out}")


if __name__ == "__main__":
    main()
