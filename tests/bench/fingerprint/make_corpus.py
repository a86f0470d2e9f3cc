#!/usr/bin/python3
"""Writes a deterministic set of photo-like JPEGs for the fingerprint benchmark.

    make_corpus.py FOLDER [--count N] [--min-side 1000] [--max-side 2500] [--seed N]

Sides are drawn uniformly in [min-side, max-side] (about 3 MP on average for the defaults),
quality 80-95, 4:2:0 chroma subsampling as most cameras and sites use. A file already present with
the right name is kept, so a second run costs nothing.
"""
import argparse
import os

import numpy
from PIL import Image


def photo_like(rng, width, height):
    coarse = Image.fromarray(rng.integers(0, 256, (int(rng.integers(3, 12)), int(rng.integers(3, 12)), 3),
                                          dtype=numpy.uint8))
    smooth = numpy.asarray(coarse.resize((width, height), Image.BICUBIC)).astype(numpy.int16)
    detail = Image.fromarray(rng.integers(0, 256, (int(rng.integers(20, 60)), int(rng.integers(20, 60)), 3),
                                          dtype=numpy.uint8)).resize((width, height), Image.BILINEAR)
    mix = float(rng.uniform(0, 0.35))
    grain = rng.integers(-8, 9, (height, width, 1), dtype=numpy.int16)
    out = smooth * (1 - mix) + numpy.asarray(detail).astype(numpy.int16) * mix + grain
    return Image.fromarray(numpy.clip(out, 0, 255).astype(numpy.uint8), "RGB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--min-side", type=int, default=1000)
    parser.add_argument("--max-side", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.makedirs(args.folder, exist_ok=True)
    for i in range(args.count):
        rng = numpy.random.default_rng([args.seed, i])  # per file, so skipping a file changes nothing
        width = int(rng.integers(args.min_side, args.max_side + 1))
        height = int(rng.integers(args.min_side, args.max_side + 1))
        quality = int(rng.integers(80, 96))
        path = os.path.join(args.folder, "%03d_%dx%d_q%d.jpg" % (i, width, height, quality))
        if os.path.exists(path):
            continue
        photo_like(rng, width, height).save(path, "JPEG", quality=quality, subsampling=2)
    print(args.folder)


if __name__ == "__main__":
    main()
