#!/usr/bin/python3
"""Writes small seed images of every format and mode the decoders handle into FOLDER."""
import io
import os
import struct
import sys
import zlib

import numpy
from PIL import Image


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    rng = numpy.random.default_rng(3)
    rgb = Image.fromarray(rng.integers(0, 256, (23, 37, 3), dtype=numpy.uint8), "RGB")
    seeds = {
        "baseline.jpg": (rgb, "JPEG", dict(quality=80)),
        "progressive.jpg": (rgb, "JPEG", dict(quality=80, progressive=True)),
        "grey.jpg": (rgb.convert("L"), "JPEG", {}),
        "cmyk.jpg": (rgb.convert("CMYK"), "JPEG", {}),
        "rgb.png": (rgb, "PNG", {}),
        "palette.png": (rgb.quantize(16), "PNG", dict(bits=4)),
        "la.png": (rgb.convert("LA"), "PNG", {}),
        "i16.png": (rgb.convert("I"), "PNG", {}),
        "rgba.png": (rgb.convert("RGBA"), "PNG", {}),
        "lossy.webp": (rgb, "WEBP", dict(quality=50)),
        "lossless.webp": (rgb.convert("RGBA"), "WEBP", dict(lossless=True)),
        "anim.gif": (rgb.quantize(32), "GIF", dict(save_all=True, append_images=[rgb.quantize(8)])),
        "interlaced.gif": (rgb.resize((40, 40)).quantize(64), "GIF", dict(interlace=True, transparency=3)),
    }
    for name, (image, fmt, params) in seeds.items():
        buffer = io.BytesIO()
        image.save(buffer, fmt, **params)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(buffer.getvalue())
    # Adam7-interlaced PNG, which Pillow cannot write.
    arr = numpy.asarray(rgb)
    raw = b""
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        sub = arr[y0::dy, x0::dx]
        if sub.size:
            raw += b"".join(b"\x00" + row.tobytes() for row in sub)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    with open(os.path.join(folder, "adam7.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 37, 23, 8, 2, 0, 0, 1)) +
                chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    main()
