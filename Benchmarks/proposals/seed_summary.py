"""Summarises `glimpse eval proposals` tables over several ranking seeds: per method and cap, the
mean and the range (min-max) of proposals/image, recall@0.5, recall@0.7, AR and MABO.

Usage: seed_summary.py DIR   where DIR holds METHOD.seedS.txt files, each the output of one
`glimpse eval proposals` run (METHOD names the implementation and mode, S the seed)."""
import collections
import os
import re
import statistics
import sys

ROW = re.compile(r"^\s*(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s*$")
table = collections.defaultdict(list)  # (method, cap) -> [row per seed]
for name in sorted(os.listdir(sys.argv[1])):
    m = re.match(r"(.+)\.seed(\d+)\.txt$", name)
    if not m:
        continue
    with open(os.path.join(sys.argv[1], name)) as f:
        for line in f:
            r = ROW.match(line)
            if r:
                table[(m.group(1), int(r.group(1)))].append([float(v) for v in r.groups()[1:]])

print("| method | cap | seeds | proposals/image | recall@0.5 | recall@0.7 | AR | MABO |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for (method, cap), rows in sorted(table.items()):
    cells = []
    for i in range(5):
        values = [r[i] for r in rows]
        mean = statistics.fmean(values)
        if i == 0:
            cells.append(f"{mean:.1f}")
        else:
            cells.append(f"{mean:.4f} ({min(values):.3f}-{max(values):.3f})")
    print(f"| {method} | {cap} | {len(rows)} | " + " | ".join(cells) + " |")
