#!/usr/bin/python3
"""The original server's fingerprint (Pillow 9.4 + scipy), timed on a folder of JPEGs: prints
fingerprints per second of CPU time (one core; the files are read into memory first)."""
import glob
import io
import sys
import time

import numpy
import scipy.fftpack
from PIL import Image


def phash(data):
    image = Image.open(io.BytesIO(data)).convert("L").resize((32, 32), Image.LANCZOS)
    dct = scipy.fftpack.dct(scipy.fftpack.dct(numpy.asarray(image), axis=0), axis=1)[:8, :8]
    median = numpy.median(dct)
    return sum(1 << i for i, bit in enumerate((dct > median).flatten()) if bit)


def main():
    files = sorted(glob.glob(sys.argv[1] + "/*.jpg"))
    datas = [open(path, "rb").read() for path in files]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    start = time.process_time()
    for _ in range(rounds):
        for data in datas:
            phash(data)
    elapsed = time.process_time() - start
    print("%.3f" % (rounds * len(datas) / elapsed))


if __name__ == "__main__":
    main()
