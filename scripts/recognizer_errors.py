#!/usr/bin/python3
"""Where the postal-code recognizer goes wrong on a set of cut cells (issue 4).

Reads the cells the pipeline cut from a generated set (their truth in
cells.json, made by `petiscan-geometry-eval SET --cells-out DIR`), runs the
shipped recognizer on them (`petiscan-recognize-cells`), and prints:
  - how many codes are read exactly, accepted, and wrong among the accepted;
  - of the wrong readings, how many characters are wrong, and how often the
    truth is among the decoder's 10 best codes;
  - the wrong characters by position (letters are positions 1, 3, 5);
  - the commonest confusions (position, truth -> read).

Use it on tuning or calibration sets only (seeds below 1000): its output says
which characters to work on, which is tuning.

  build/release/pipeline/geometry/petiscan-geometry-eval .cache/cutsets/304c --cells-out /tmp/cut304c
  scripts/recognizer_errors.py /tmp/cut304c
"""
from __future__ import annotations

import argparse
import collections
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
RECOGNIZE = ROOT / "build" / "release" / "pipeline" / "recognize" / "petiscan-recognize-cells"


def readings(cells: pathlib.Path, models: pathlib.Path) -> list[dict]:
    if not RECOGNIZE.exists():
        sys.exit(f"recognizer_errors: {RECOGNIZE} missing (scripts/build release)")
    out = subprocess.run([str(RECOGNIZE), str(models), str(cells)], check=True, capture_output=True,
                         text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cells", type=pathlib.Path, help="a --cells-out directory (PNG cells and cells.json)")
    ap.add_argument("--models", type=pathlib.Path, default=ROOT / "models")
    ap.add_argument("--top", type=int, default=20, help="confusions to list")
    args = ap.parse_args()
    truth_file = args.cells / "cells.json"
    if not truth_file.exists():
        sys.exit(f"recognizer_errors: {truth_file} not found (petiscan-geometry-eval SET --cells-out DIR)")
    truth = json.loads(truth_file.read_text())

    coded = exact = accepted = accepted_wrong = read_blank = truth_in_best = 0
    chars_wrong = collections.Counter()
    by_position = collections.Counter()
    confusions = collections.Counter()
    for r in readings(args.cells, args.models):
        want = truth.get(r["file"], "")
        if not want:
            continue
        coded += 1
        got = (r.get("code") or "").replace(" ", "")
        if r.get("accepted"):
            accepted += 1
            accepted_wrong += got != want
        if got == want:
            exact += 1
            continue
        truth_in_best += any(code.replace(" ", "") == want for code, _ in r["best"])
        if not got:
            read_blank += 1
            continue
        wrong = [i for i in range(len(want)) if got[i] != want[i]]
        chars_wrong[len(wrong)] += 1
        for i in wrong:
            by_position[i + 1] += 1
            confusions[(i + 1, want[i], got[i])] += 1
    if not coded:
        sys.exit("recognizer_errors: no cell with a code in cells.json")

    wrong = coded - exact
    print(f"cells with a code: {coded}")
    print(f"read exactly: {exact} ({100 * exact / coded:.1f} %)")
    print(f"accepted: {accepted} ({100 * accepted / coded:.1f} %), wrong among them: {accepted_wrong} "
          f"({100 * accepted_wrong / max(1, accepted):.2f} %)")
    print(f"read wrong: {wrong}; read as blank: {read_blank}; the truth among the 10 best: {truth_in_best}")
    print("characters wrong in a wrong reading: " +
          ", ".join(f"{k}: {v}" for k, v in sorted(chars_wrong.items())))
    print("wrong characters by position (1, 3, 5 letters; 2, 4, 6 digits): " +
          ", ".join(f"{k}: {v}" for k, v in sorted(by_position.items())))
    print("commonest confusions (position: truth -> read):")
    for (pos, t, g), n in confusions.most_common(args.top):
        print(f"  {pos}: {t} -> {g}  {n}")


if __name__ == "__main__":
    main()
