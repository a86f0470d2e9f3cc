#!/usr/bin/python3
"""Measures how far fast-mode fingerprints are from exact ones on photo-like JPEGs.

Generates JPEGs of 300-2500 px (smooth photo-like content with grain, several qualities and chroma
subsamplings), runs `aotfd hash --exact` and `aotfd hash --fast` on them, prints the distribution
of Hamming distances and fails when fewer than --min-within-2 of them are within 2 bits (the bound
is deliberately looser than what is measured, so the test only fails on a real regression).

    fast_mode.py --aotfd build/bin/aotfd [--count N] [--seed N] [--min-within-2 0.95]
"""
import argparse
import collections
import os
import subprocess
import sys
import tempfile

import numpy
from PIL import Image


def photo_like(rng, width, height):
    coarse = Image.fromarray(rng.integers(0, 256, (int(rng.integers(3, 12)), int(rng.integers(3, 12)), 3),
                                          dtype=numpy.uint8))
    smooth = numpy.asarray(coarse.resize((width, height), Image.BICUBIC)).astype(numpy.int16)
    # a few sharp edges, as in drawings
    detail = Image.fromarray(rng.integers(0, 256, (int(rng.integers(20, 60)), int(rng.integers(20, 60)), 3),
                                          dtype=numpy.uint8)).resize((width, height), Image.NEAREST)
    mix = float(rng.uniform(0, 0.35))
    grain = rng.integers(-10, 11, (height, width, 1), dtype=numpy.int16)
    out = smooth * (1 - mix) + numpy.asarray(detail).astype(numpy.int16) * mix + grain
    return Image.fromarray(numpy.clip(out, 0, 255).astype(numpy.uint8), "RGB")


def hashes(aotfd, mode, files):
    run = subprocess.run([aotfd, "hash", "--" + mode, *files], capture_output=True, text=True, check=True)
    return {path: int(digest, 16) for digest, _, path in (line.partition("  ") for line in run.stdout.splitlines())}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aotfd", required=True)
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--min-within-2", type=float, default=0.95)
    args = parser.parse_args()
    rng = numpy.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for i in range(args.count):
            width, height = int(rng.integers(300, 2500)), int(rng.integers(300, 2500))
            path = os.path.join(folder, "%03d_%dx%d.jpg" % (i, width, height))
            photo_like(rng, width, height).save(path, "JPEG", quality=int(rng.integers(70, 96)),
                                                subsampling=int(rng.choice([0, 1, 2])))
            files.append(path)
        exact = hashes(args.aotfd, "exact", files)
        fast = hashes(args.aotfd, "fast", files)
    distances = collections.Counter(bin(exact[f] ^ fast[f]).count("1") for f in files)
    within2 = sum(n for d, n in distances.items() if d <= 2) / len(files)
    print("fast vs exact on %d photo-like JPEGs: " % len(files) +
          ", ".join("%d bits: %d" % (d, distances[d]) for d in sorted(distances)))
    print("identical: %.1f%%, within 2 bits: %.1f%% (required: %.1f%%)" %
          (100.0 * distances[0] / len(files), 100.0 * within2, 100.0 * args.min_within_2))
    return 0 if within2 >= args.min_within_2 else 1


if __name__ == "__main__":
    sys.exit(main())
