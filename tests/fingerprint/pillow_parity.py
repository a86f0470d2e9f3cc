#!/usr/bin/python3
"""Proves that `aotfd hash` gives the fingerprint the original AOTF server stored.

Generates a few hundred images of many sizes, aspect ratios, modes and formats (random content,
smooth gradients, photo-like blobs, flat colours, truncated files), computes the original's pHash
with Pillow 9.4 + scipy exactly as the original did, runs `aotfd hash --exact` on them, and fails
on any difference. Needs Debian's /usr/bin/python3 (python3-pil, python3-scipy, python3-numpy).

    pillow_parity.py --aotfd build/bin/aotfd [--keep DIR] [--seed N]
"""
import argparse
import io
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy
import scipy.fftpack
from PIL import Image, ImageFile

ImageFile.LOAD_TRUNCATED_IMAGES = True  # as the original server
ANTIALIAS = Image.LANCZOS  # the same filter as Image.ANTIALIAS, which Pillow 9.4 deprecates


def original_phash(path):
    """The original's fingerprint: ImageHash's phash, bits summed as 2**i, stored big-endian."""
    image = Image.open(path)
    image = image.convert("L").resize((32, 32), ANTIALIAS)
    pixels = numpy.asarray(image)
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)
    low = dct[:8, :8]
    median = numpy.median(low)
    diff = low > median
    value = sum(1 << i for i, bit in enumerate(diff.flatten()) if bit)
    return value.to_bytes(8, "big").hex()


def content(rng, width, height, kind):
    """An RGB uint8 array of the given kind."""
    if kind == "noise":
        return rng.integers(0, 256, (height, width, 3), dtype=numpy.uint8)
    if kind == "flat":
        return numpy.broadcast_to(rng.integers(0, 256, 3, dtype=numpy.uint8), (height, width, 3)).copy()
    y, x = numpy.mgrid[0:height, 0:width].astype(numpy.float64)
    if kind == "gradient":
        a, b, c = rng.uniform(-1, 1, 3)
        base = (a * x / max(width, 1) + b * y / max(height, 1) + c * numpy.sin(x / 17.0 + y / 11.0))
        out = numpy.stack([base * rng.uniform(40, 120) + rng.uniform(60, 200) for _ in range(3)], axis=-1)
        return numpy.clip(out, 0, 255).astype(numpy.uint8)
    # "blobs": photo-like, a coarse random field upsampled smoothly, plus a little grain
    coarse = Image.fromarray(rng.integers(0, 256, (rng.integers(3, 9), rng.integers(3, 9), 3), dtype=numpy.uint8))
    smooth = numpy.asarray(coarse.resize((width, height), Image.BICUBIC)).astype(numpy.int16)
    grain = rng.integers(-12, 13, (height, width, 1), dtype=numpy.int16)
    return numpy.clip(smooth + grain, 0, 255).astype(numpy.uint8)


def save(image, path, fmt, **params):
    image.save(path, fmt, **params)
    return path


class Generator:
    def __init__(self, folder, seed):
        self.folder = folder
        self.rng = numpy.random.default_rng(seed)
        self.files = []

    def name(self, label):
        path = os.path.join(self.folder, "%04d_%s" % (len(self.files), label))
        self.files.append(path)
        return path

    def rgb(self, width, height, kind):
        return Image.fromarray(content(self.rng, width, height, kind), "RGB")

    def make(self, width, height, kind, variant):
        rgb = self.rgb(width, height, kind)
        tag = "%dx%d_%s_%s" % (width, height, kind, variant)
        if variant == "L.png":
            save(rgb.convert("L"), self.name(tag), "PNG")
        elif variant == "1.png":
            save(rgb.convert("1"), self.name(tag), "PNG")
        elif variant == "LA.png":
            la = rgb.convert("L")
            la.putalpha(Image.fromarray(self.rng.integers(0, 256, (height, width), dtype=numpy.uint8)))
            save(la, self.name(tag), "PNG")
        elif variant == "P.png":
            save(rgb.quantize(colors=int(self.rng.integers(2, 257))), self.name(tag), "PNG")
        elif variant == "P4.png":
            save(rgb.quantize(colors=16), self.name(tag), "PNG", bits=4)
        elif variant == "Ptrns.png":
            p = rgb.quantize(colors=64)
            save(p, self.name(tag), "PNG", transparency=int(self.rng.integers(0, 64)))
        elif variant == "RGB.png":
            save(rgb, self.name(tag), "PNG")
        elif variant == "RGBA.png":
            rgba = rgb.copy()
            rgba.putalpha(Image.fromarray(self.rng.integers(0, 256, (height, width), dtype=numpy.uint8)))
            save(rgba, self.name(tag), "PNG")
        elif variant == "I16.png":
            values = numpy.asarray(rgb.convert("L")).astype(numpy.uint16)
            scale = int(self.rng.choice([1, 2, 257]))
            image = Image.fromarray((values * scale).astype(numpy.uint16), "I;16")
            save(image, self.name(tag), "PNG")
        elif variant == "RGB48.png":
            # 16-bit RGB written by hand (Pillow cannot save it): Pillow keeps the high bytes.
            arr = numpy.asarray(rgb).astype(">u2") * 257 + self.rng.integers(0, 256, (height, width, 3)).astype(">u2")
            write_png16(self.name(tag), arr)
        elif variant == "adam7.png":
            write_adam7(self.name(tag), numpy.asarray(rgb))
        elif variant == "adam7_truncated.png":
            buffer = io.BytesIO()
            write_adam7(buffer, numpy.asarray(rgb))
            self.cut(buffer.getvalue(), tag)
        elif variant == "truncated.gif":
            self.truncated(rgb.quantize(colors=64), tag, "GIF", {})
        elif variant.startswith("q") and variant.endswith(".jpg"):
            # "q90s2.jpg": quality, subsampling (0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0)
            quality, sub = variant[1:-4].split("s")
            save(rgb, self.name(tag), "JPEG", quality=int(quality), subsampling=int(sub))
        elif variant == "progressive.jpg":
            save(rgb, self.name(tag), "JPEG", quality=85, progressive=True)
        elif variant == "grey.jpg":
            save(rgb.convert("L"), self.name(tag), "JPEG", quality=90)
        elif variant == "cmyk.jpg":
            save(rgb.convert("CMYK"), self.name(tag), "JPEG", quality=90)
        elif variant == "truncated.jpg":
            self.truncated(rgb, tag, "JPEG", dict(quality=90))
        elif variant == "truncated_progressive.jpg":
            self.truncated(rgb, tag, "JPEG", dict(quality=90, progressive=True))
        elif variant == "truncated.png":
            self.truncated(rgb, tag, "PNG", {})
        elif variant == "truncated_P.png":
            self.truncated(rgb.quantize(colors=32), tag, "PNG", {})
        elif variant == "lossy.webp":
            save(rgb, self.name(tag), "WEBP", quality=80)
        elif variant == "lossless_rgba.webp":
            rgba = rgb.copy()
            rgba.putalpha(Image.fromarray(self.rng.integers(0, 256, (height, width), dtype=numpy.uint8)))
            save(rgba, self.name(tag), "WEBP", lossless=True)
        elif variant == "animated.webp":
            second = self.rgb(width, height, "noise")
            save(rgb, self.name(tag), "WEBP", save_all=True, append_images=[second], duration=100, quality=80)
        elif variant == "P.gif":
            save(rgb.quantize(colors=int(self.rng.integers(2, 257))), self.name(tag), "GIF")
        elif variant == "trns.gif":
            p = rgb.quantize(colors=100)
            save(p, self.name(tag), "GIF", transparency=int(self.rng.integers(0, 100)))
        elif variant == "animated.gif":
            second = self.rgb(width, height, "noise").quantize(colors=64)
            save(rgb.quantize(colors=64), self.name(tag), "GIF", save_all=True, append_images=[second], duration=100)
        elif variant == "apng.png":
            second = self.rgb(width, height, "noise")
            save(rgb, self.name(tag), "PNG", save_all=True, append_images=[second], duration=100)
        else:
            raise ValueError(variant)

    def truncated(self, image, tag, fmt, params):
        buffer = io.BytesIO()
        image.save(buffer, fmt, **params)
        self.cut(buffer.getvalue(), tag)

    def cut(self, data, tag):
        keep = int(len(data) * float(self.rng.uniform(0.35, 0.9)))
        with open(self.name(tag), "wb") as f:
            f.write(data[:keep])


def png_bytes(width, height, depth, color, interlace, raw):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def write_png16(path, arr):
    """16-bit RGB, which Pillow cannot save."""
    height, width, _ = arr.shape
    raw = b"".join(b"\x00" + arr[y].tobytes() for y in range(height))
    with open(path, "wb") as f:
        f.write(png_bytes(width, height, 16, 2, 0, raw))


def write_adam7(target, arr):
    """8-bit RGB, Adam7-interlaced, which Pillow cannot save."""
    height, width, _ = arr.shape
    raw = b""
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        sub = arr[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        raw += b"".join(b"\x00" + row.tobytes() for row in sub)
    data = png_bytes(width, height, 8, 2, 1, raw)
    if isinstance(target, str):
        with open(target, "wb") as f:
            f.write(data)
    else:
        target.write(data)


VARIANTS = ["L.png", "1.png", "LA.png", "P.png", "P4.png", "Ptrns.png", "RGB.png", "RGBA.png", "I16.png",
            "RGB48.png", "q90s2.jpg", "q75s1.jpg", "q95s0.jpg", "q60s2.jpg", "progressive.jpg", "grey.jpg",
            "cmyk.jpg", "truncated.jpg", "truncated_progressive.jpg", "truncated.png", "truncated_P.png",
            "lossy.webp", "lossless_rgba.webp", "animated.webp", "P.gif", "trns.gif", "animated.gif", "apng.png",
            "adam7.png", "adam7_truncated.png", "truncated.gif"]
KINDS = ["noise", "gradient", "blobs", "flat"]


def generate(folder, seed):
    gen = Generator(folder, seed)
    rng = gen.rng
    # Every variant on small and odd sizes, including the degenerate ones.
    special = [(1, 1), (2, 3), (1, 40), (40, 1), (31, 32), (32, 32), (33, 33), (32, 100), (100, 32), (64, 48)]
    for i, variant in enumerate(VARIANTS):
        for j, (w, h) in enumerate(special[(i % 3)::3]):
            gen.make(w, h, KINDS[(i + j) % len(KINDS)], variant)
    # Random sizes up to ~800 px for every variant.
    for variant in VARIANTS:
        for _ in range(3):
            w, h = int(rng.integers(2, 800)), int(rng.integers(2, 800))
            gen.make(w, h, KINDS[int(rng.integers(0, 3))], variant)
    # Extreme aspect ratios and large photo-like images, the common case of the server.
    for (w, h) in [(3000, 7), (7, 3000), (2500, 3), (1, 1200), (1200, 1)]:
        gen.make(w, h, "gradient", "q90s2.jpg")
        gen.make(w, h, "noise", "RGB.png")
    for variant in ["q90s2.jpg", "q75s1.jpg", "progressive.jpg", "RGB.png", "lossy.webp", "truncated.jpg",
                    "cmyk.jpg", "grey.jpg"]:
        for _ in range(2):
            w, h = int(rng.integers(1000, 2500)), int(rng.integers(700, 2000))
            gen.make(w, h, "blobs", variant)
    return gen.files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aotfd", required=True)
    parser.add_argument("--seed", type=int, default=20210926)
    parser.add_argument("--keep", help="generate into this folder and keep the files")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or tmp
        os.makedirs(folder, exist_ok=True)
        files = generate(folder, args.seed)
        expected = {}
        for path in files:
            try:
                expected[path] = original_phash(path)
            except (OSError, SyntaxError, ValueError):
                expected[path] = None  # the original refused it: aotfd must refuse it too

        run = subprocess.run([args.aotfd, "hash", "--exact", *files], capture_output=True, text=True)
        got = {}
        for line in run.stdout.splitlines():
            digest, _, path = line.partition("  ")
            got[path] = digest
        for line in run.stderr.splitlines():
            prefix = "aotfd hash: "
            for path in files:
                if line.startswith(prefix + path + ": "):
                    got[path] = None
        failures = []
        for path in files:
            if path not in got or got[path] != expected[path]:
                failures.append("%s: expected %s, aotfd gave %s" % (os.path.basename(path), expected[path],
                                                                    got.get(path, "nothing")))
        for failure in failures:
            print("MISMATCH " + failure)
        print("%d images, %d identical to the original's fingerprint, %d different" %
              (len(files), len(files) - len(failures), len(failures)))
        refused = sum(1 for v in expected.values() if v is None)
        print("(%d of them refused by both)" % refused)
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
