#!/usr/bin/python3
"""`aotfd hash` as an operator runs it: output format, exit codes, bad files among good ones,
the mode taken from the configuration and overridden by --exact/--fast."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

from PIL import Image

AOTFD = None


def run(*args, cwd=None):
    return subprocess.run([AOTFD, *args], capture_output=True, text=True, cwd=cwd)


class HashCommand(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.jpeg = os.path.join(cls.dir, "photo.jpg")
        cls.png = os.path.join(cls.dir, "drawing.png")
        image = Image.radial_gradient("L").resize((900, 700)).convert("RGB")
        image.save(cls.jpeg, "JPEG", quality=90)
        image.save(cls.png, "PNG")
        cls.html = os.path.join(cls.dir, "page.jpg")
        with open(cls.html, "w") as f:
            f.write("<html>not an image</html>")
        cls.empty = os.path.join(cls.dir, "empty.png")
        open(cls.empty, "wb").close()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_prints_hex_and_name_per_file(self):
        result = run("hash", self.jpeg, self.png, cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertRegex(lines[0], r"^[0-9a-f]{16}  " + re.escape(self.jpeg) + "$")
        self.assertRegex(lines[1], r"^[0-9a-f]{16}  " + re.escape(self.png) + "$")
        self.assertEqual(result.stderr, "")

    def test_bad_files_are_reported_and_the_others_hashed(self):
        missing = os.path.join(self.dir, "missing.jpg")
        result = run("hash", self.html, self.jpeg, missing, self.empty, self.png, cwd=self.dir)
        self.assertEqual(result.returncode, 1)
        self.assertEqual([line.split("  ")[1] for line in result.stdout.splitlines()], [self.jpeg, self.png])
        errors = result.stderr.splitlines()
        self.assertEqual(errors[0], "aotfd hash: %s: not an image: unknown signature 3c 68 74 6d" % self.html)
        self.assertEqual(errors[1], "aotfd hash: %s: no such file" % missing)
        self.assertEqual(errors[2], "aotfd hash: %s: not an image: the file is empty" % self.empty)

    def test_no_file_is_a_usage_error(self):
        result = run("hash", cwd=self.dir)
        self.assertEqual(result.returncode, 2)
        self.assertIn("usage:", result.stderr)

    def test_unknown_option_is_a_usage_error(self):
        result = run("hash", "--fastest", self.jpeg, cwd=self.dir)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--fastest", result.stderr)

    def test_mode_comes_from_the_config_and_flags_override_it(self):
        exact = run("hash", "--exact", self.jpeg, cwd=self.dir).stdout
        fast = run("hash", "--fast", self.jpeg, cwd=self.dir).stdout
        self.assertEqual(run("hash", self.jpeg, cwd=self.dir).stdout, exact)  # no config file: exact
        config = os.path.join(self.dir, "fast.toml")
        with open(config, "w") as f:
            f.write('[fingerprint]\nmode = "fast"\n')
        self.assertEqual(run("--config", config, "hash", self.jpeg, cwd=self.dir).stdout, fast)
        self.assertEqual(run("--config", config, "hash", "--exact", self.jpeg, cwd=self.dir).stdout, exact)

    def test_bad_config_is_a_usage_error(self):
        config = os.path.join(self.dir, "bad.toml")
        with open(config, "w") as f:
            f.write('[fingerprint]\nmode = "quick"\n')
        result = run("--config", config, "hash", self.jpeg, cwd=self.dir)
        self.assertEqual(result.returncode, 2)
        self.assertIn("bad.toml:2:", result.stderr)
        self.assertEqual(result.stdout, "")
        missing = run("--config", os.path.join(self.dir, "none.toml"), "hash", self.jpeg, cwd=self.dir)
        self.assertEqual(missing.returncode, 2)
        self.assertIn("none.toml", missing.stderr)

    def test_too_big_file_is_refused_before_decoding(self):
        big = os.path.join(self.dir, "big.jpg")
        with open(big, "wb") as f:
            f.write(b"\xff\xd8\xff" + b"\0" * 20_971_520)
        result = run("hash", big, cwd=self.dir)
        self.assertEqual(result.returncode, 1)
        self.assertIn("20971523 bytes, more than the limit of 20971520", result.stderr)


if __name__ == "__main__":
    AOTFD = sys.argv[sys.argv.index("--aotfd") + 1]
    del sys.argv[sys.argv.index("--aotfd"):sys.argv.index("--aotfd") + 2]
    unittest.main()
