"""Pillow's decode throughput in megapixels per second on the same files as DecodeBenchmark."""
import io, sys, time
from PIL import Image

for path in sys.argv[1:]:
    data = open(path, "rb").read()
    image = Image.open(io.BytesIO(data)); image.load()
    megapixels = image.width * image.height / 1e6
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < 1 or runs < 5:
        image = Image.open(io.BytesIO(data)); image.load()
        runs += 1
    seconds = time.perf_counter() - start
    name = path.rsplit("/", 1)[-1]
    print(f"pillow  {name:<22} {image.width:4d}x{image.height:<4d} {megapixels * runs / seconds:8.1f} MP/s  ({runs} runs)")
