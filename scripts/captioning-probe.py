#!/usr/bin/env python3
"""The diagnosis of docs/captioning.md ("which facts does NIC read from the image?"): forces NIC's
decoding through prefixes (`glimpse caption --next-words`) on the first N test scenes and reports
the mean probability the model gives the true next word, against the same figure when every
image's distribution is replaced by the average over the images (what a model that ignores the
image would score). Facts probed, each early and late in the sentence:
  colour of a large digit after "a large" (2nd word) / of the largest after
      "there are K digits on BG, the largest is a" (10th-12th);
  digit of the largest after "a large COLOUR" (3rd) / after "..., the largest is a COLOUR" (11th-13th);
  count after "there are" (2nd);  background after "there are K digits" (4th).
Digits count numeral and word forms together ("8" and "eight").

usage: scripts/captioning-probe.py GLIMPSE WEIGHTS DATA [N=100]
"""
import collections, json, subprocess, sys

glimpse, weights, data = sys.argv[1:4]
limit = int(sys.argv[4]) if len(sys.argv) > 4 else 100
inst = json.load(open(data + '/test/instances.json'))
names = {c['id']: c['name'] for c in inst['categories']}
words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']
counts = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten']
bgword = {'grass': 'grass', 'gravel': 'gravel', 'brick': 'bricks'}  # plain C: "a plain C background"
objs = collections.defaultdict(list)
for a in inst['annotations']:
    objs[a['image_id']].append(a)
images = []
for im in sorted(inst['images'], key=lambda i: i['id'])[:limit]:
    o = objs[im['id']]
    side = lambda a: max(a['bbox'][2], a['bbox'][3])
    big = max(o, key=side)
    tied = sum(1 for a in o if side(a) == side(big)) > 1
    images.append(dict(path=data + '/test/' + im['file_name'], n=len(o), bg=im['attributes']['background'],
                       largest=None if tied else (big['attributes']['color'], names[big['category_id']]),
                       large_colours={a['attributes']['color'] for a in o if a['attributes']['size'] == 'large'}))


def probe(prefix, group):
    """{path: {word: probability}} after prefix for the images in group."""
    out = subprocess.run([glimpse, 'caption', '--weights', weights, '--next-words', prefix, '--top', '1000']
                         + [g['path'] for g in group], capture_output=True, text=True, check=True).stdout
    result = {}
    for line in out.splitlines()[1:]:
        path, rest = line.split(': ', 1)
        result[path] = {w: float(p) for w, p in (item.rsplit(' ', 1) for item in rest.split('  '))}
    return result


def bg_phrase(bg):
    return 'on ' + bgword[bg] if bg in bgword else 'on a ' + bg + ' background'


def report(label, rows):
    """rows: (distribution, true words); prints mean P(true) and the image-blind baseline."""
    if not rows:
        return
    mean = collections.Counter()
    for dist, _ in rows:
        for w, p in dist.items():
            mean[w] += p / len(rows)
    own = sum(sum(d.get(w, 0) for w in t) for d, t in rows) / len(rows)
    blind = sum(sum(mean.get(w, 0) for w in t) for _, t in rows) / len(rows)
    top = sum(1 for d, t in rows if max(d, key=d.get) in t) / len(rows)
    print('| %s | %d | %.3f | %.3f | %.0f%% |' % (label, len(rows), own, blind, 100 * top))


def digit_forms(d):
    return {d, words[int(d)]}


def digit_dist(dist):  # numeral and word forms summed, keyed by numeral
    return {str(k): dist.get(str(k), 0) + dist.get(words[k], 0) for k in range(10)}


print('| fact, position (prefix) | images | mean P(true word) | image-blind | top-1 right |')
print('| --- | ---: | ---: | ---: | ---: |')
multi = [g for g in images if g['n'] >= 2 and g['n'] <= 10]
d = probe('there are', multi)
report('count, 2nd word ("there are")', [(d[g['path']], {counts[g['n']]}) for g in multi])
rows = []
for n in sorted({g['n'] for g in multi}):
    grp = [g for g in multi if g['n'] == n]
    d = probe('there are %s digits' % counts[n], grp)
    rows += [(d[g['path']], {'on', 'against', 'in'}) for g in grp]
d = probe('a large', images)
report('colour of a large digit, 3rd word ("a large")',
       [(d[g['path']], g['large_colours']) for g in images if g['large_colours']])
late = [g for g in multi if g['largest']]
rows = []
for key in sorted({(g['n'], g['bg']) for g in late}):
    grp = [g for g in late if (g['n'], g['bg']) == key]
    d = probe('there are %s digits %s, the largest is a' % (counts[key[0]], bg_phrase(key[1])), grp)
    rows += [(d[g['path']], {g['largest'][0]}) for g in grp]
report('colour of the largest, 10th-13th word ("there are K digits BG, the largest is a")', rows)
rows_early, rows_late = [], []
for colour in sorted({g['largest'][0] for g in late}):
    grp = [g for g in late if g['largest'][0] == colour]
    d = probe('a large ' + colour, grp)
    rows_early += [(digit_dist(d[g['path']]), {g['largest'][1]}) for g in grp]
    for key in sorted({(g['n'], g['bg']) for g in grp}):
        sub = [g for g in grp if (g['n'], g['bg']) == key]
        d = probe('there are %s digits %s, the largest is a %s' % (counts[key[0]], bg_phrase(key[1]), colour), sub)
        rows_late += [(digit_dist(d[g['path']]), {g['largest'][1]}) for g in sub]
report('digit of the largest, 4th word ("a large COLOUR")', rows_early)
report('digit of the largest, 11th-14th word ("..., the largest is a COLOUR")', rows_late)
