#!/usr/bin/python3
"""Writes the recognizer's committed test data, tests/data/recognize/ (< 1 MB):

  golden/*.png + golden/*.f32  cells and their network input as computed by
                               recognizer_cells.preprocess() (float32, row-major
                               INPUT_H x INPUT_W, little endian): the C++
                               preprocess_cell() must give the same tensor;
  cells/*.png + cells/truth.json  EVAL-split cells (held-out fonts and digits)
                               read by tests/recognize_model_test.cpp.

  scripts/recognizer_testdata.py            (seed TESTDATA_SEED, fixed)
"""
from __future__ import annotations

import json
import pathlib
import sys

import cv2
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import recognizer_cells as rc  # noqa: E402

TESTDATA_SEED = 616161  # used for nothing else
N_CELLS = 32
P_EMPTY = 0.15
OUT = ROOT / "tests" / "data" / "recognize"


def main():
    rng = np.random.default_rng(TESTDATA_SEED)
    hands = rc.Hands("eval", ROOT / ".cache")
    golden = OUT / "golden"
    golden.mkdir(parents=True, exist_ok=True)
    # A typical cell, one too wide for the input (squeezed), one narrow (padded),
    # one with odd sizes that make INTER_AREA use fractional weights.
    cases = {"typical": None, "wide": (41, 600), "narrow": (97, 60), "odd": (77, 251)}
    for name, size in cases.items():
        cell, _ = rc.make_cell(hands, rng, p_empty=0.0)
        if size:
            cell = cv2.resize(cell, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
        cv2.imwrite(str(golden / f"{name}.png"), cell)
        rc.preprocess(cell).astype("<f4").tofile(golden / f"{name}.f32")
    cells = OUT / "cells"
    cells.mkdir(parents=True, exist_ok=True)
    truth = {}
    for i in range(N_CELLS):
        cell, code = rc.make_cell(hands, rng, p_empty=P_EMPTY)
        name = f"{i:03d}.png"
        cv2.imwrite(str(cells / name), cell, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        truth[name] = f"{code[:3]} {code[3:]}" if code else None
    (cells / "truth.json").write_text(json.dumps(
        {"source": f"scripts/recognizer_testdata.py, handwriting split 'eval', seed {TESTDATA_SEED}",
         "input": {"height": rc.INPUT_H, "width": rc.INPUT_W}, "codes": truth}, indent=1) + "\n")
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT}: {size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
