#!/usr/bin/env python3
"""unhex.py SEEDDIR OUTDIR: turn the committed hex seeds into binary files
for libFuzzer's corpus directory ('#' comments and whitespace ignored)."""
import os
import sys

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
for name in sorted(os.listdir(src)):
    if not name.endswith(".hex"):
        continue
    text = "".join(line.split("#", 1)[0] for line in open(os.path.join(src, name)))
    with open(os.path.join(dst, "seed-" + name[:-4]), "wb") as f:
        f.write(bytes.fromhex("".join(text.split())))
