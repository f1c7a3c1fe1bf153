#!/usr/bin/python3
"""Golden cases of the geometry stages: tests/data/golden/<case>/ holds one page
(page.png) and expected.json (what tests/geometry_golden_test.cpp checks, with
its tolerances), both taken from a generated TRAINING set (seeds 100-199, or
a tuning seed 300-302 for a case they lack; --hands train) and its truth.json,
never from the stages' own output.

  scripts/update_golden.py --from SET_DIR            # show what would change
  scripts/update_golden.py --from SET_DIR --write    # rewrite the cases, on purpose
  scripts/update_golden.py --check                   # expected.json agree with page.png sizes
  scripts/update_golden.py --from SET_DIR --only CASE --write   # one case, from another set

A case the stages get wrong today keeps its truth: a hand-written
KNOWN_FAILURE file in its folder (one line: why) makes the test skip it with
that line, so it stays visible until fixed.

Without --write nothing is written: the differences are printed and the exit
code is 1 when there are any, so a golden case never changes silently.

Each case is the first page of the set (in file order) that shows it (CASES
below); pages are stored at 150 DPI at most (1-bit when the scan was bilevel,
16 grey levels otherwise) so the folder stays under ~2 MB.
"""
import argparse
import json
import math
import pathlib
import sys

import cv2
import numpy as np
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden"
MAX_DPI = 150
MAX_SIDE = 1400  # phone photos: their nominal DPI is low but their frames are large
# Tolerances written into expected.json. corner_rows: a data-area corner may be
# this many row heights from the truth (a row numbered wrong is ~1); edge_deg:
# the angle of row 1's top edge (vs the truth's) in degrees.
TOLERANCE = {"corner_rows": 0.25, "edge_deg": 0.3}
# Without a rule, the table's sides are not seen: the frame spans the writing
# (and the titles), so its corners may lie up to a row off the truth's
# sideways ("side_rows", along the rows; "corner_rows" is then across them).
NO_SIDES = {"corner_rows": 0.25, "side_rows": 1.0, "edge_deg": 0.3}
TOLERANCE_OF = {"no_rules": NO_SIDES, "bilevel": NO_SIDES}


def notes(gen):
    return {n for row in gen.get("row_notes", []) for n in row}


def sheet(p):
    return p["kind"] == "signatures" and "data_corners" in p["_gen"]


# case -> test on a truth page (with "_gen").
CASES = {
    "turned_90": lambda p: sheet(p) and p["_gen"]["rotation"] == 90 and not p["_gen"]["phone"],
    "turned_180": lambda p: sheet(p) and p["_gen"]["rotation"] == 180 and not p["_gen"]["phone"],
    "turned_270": lambda p: sheet(p) and p["_gen"]["rotation"] == 270 and not p["_gen"]["phone"],
    "skew_large": lambda p: sheet(p) and abs(p["_gen"]["skew_deg"]) >= 9 and not p["_gen"]["phone"],
    "phone_perspective": lambda p: sheet(p) and p["_gen"]["phone"] and p["_gen"].get("keystone", 0) >= 0.04,
    "faint_lines": lambda p: sheet(p) and "faint_lines" in p["_gen"]["defects"],
    "broken_lines": lambda p: sheet(p) and "broken_lines" in p["_gen"]["defects"],
    "missing_line": lambda p: sheet(p) and "missing_line" in p["_gen"]["defects"],
    "crosses_line": lambda p: sheet(p) and "crosses_line" in notes(p["_gen"]),
    "into_code": lambda p: sheet(p) and "into_code" in notes(p["_gen"]),
    "fold": lambda p: sheet(p) and "fold" in p["_gen"]["defects"],
    "stain": lambda p: sheet(p) and "stain" in p["_gen"]["defects"],
    "bilevel": lambda p: sheet(p) and "bilevel" in p["_gen"]["defects"] and p["_gen"]["rotation"] == 0,
    # A dark 1-bit scan leaves thin rules as dots (seed 113, --only dotted_rules);
    # at 200 DPI at most, so that storing it at 150 DPI or less keeps the dots.
    "dotted_rules": lambda p: sheet(p) and {"bilevel", "dark"} <= set(p["_gen"]["defects"])
    and p["_gen"]["rotation"] == 0 and p["_gen"]["dpi"] <= 200,
    # A 1-bit scan of 1-px rules inside a 5-6 px outline: the outline alone
    # survives (train seed 301 env0059_p2, --only outline_only).
    "outline_only": lambda p: sheet(p) and "bilevel" in p["_gen"]["defects"]
    and p["_gen"]["line_px"][0] == 1 and p["_gen"]["line_px"][1] >= 5
    and p["_gen"]["rotation"] == 0 and not p["_gen"]["phone"],
    # A 1-bit scan of a light print with 1-px rules, turned a quarter and
    # upside down: no rule survives, the header's words and the writing alone
    # place the table (train seed 302 env0084_p3, --only no_rules).
    "no_rules": lambda p: sheet(p) and {"bilevel", "faint_lines", "blur"} <= set(p["_gen"]["defects"])
    and p["_gen"]["line_px"] == [1, 1] and p["_gen"]["rotation"] == 90 and not p["_gen"]["phone"],
    "dpi_600": lambda p: sheet(p) and p["_gen"]["dpi"] >= 600 and not p["_gen"]["phone"],
    "empty_table": lambda p: sheet(p) and not any(r["signed"] for r in p["rows"]),
    "letter": lambda p: p["kind"] == "letter",
    "blank": lambda p: p["kind"] == "blank",
}


def pages_of(set_dir):
    """(envelope, page index, truth page, image) for every single-image file."""
    truth = json.loads((set_dir / "truth.json").read_text())
    for env in truth["envelopes"]:
        files = env["files"]
        for i, p in enumerate(env["pages"]):
            if len(files) != len(env["pages"]) or env["format"] in ("pdf", "tif"):
                continue  # multi-page files: the cases are cut from single-image files
            yield env, i, p, set_dir / files[i]


def make_case(name, env, page, path):
    gen = page["_gen"]
    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    dpi = float(gen.get("dpi_written") or gen["dpi"])
    scale = min(1.0, MAX_DPI / dpi, MAX_SIDE / max(img.shape))
    if scale < 1.0:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    bilevel = "bilevel" in gen["defects"]
    expected = {
        "source": f"{path.parent.name}/{path.name} (envelope {env['id']})",
        "dpi": round(dpi * scale, 2),
        "kind": "other" if page["kind"] == "letter" else page["kind"],
        "tolerance": TOLERANCE_OF.get(name, TOLERANCE),
    }
    if page["kind"] == "signatures":
        expected["rotation_deg"] = (360 - gen["rotation"]) % 360
        expected["signed"] = [bool(r["signed"]) for r in page["rows"]]
        expected["data_corners"] = [[round(x * scale, 1), round(y * scale, 1)] for x, y in gen["data_corners"]]
        expected["defects"] = gen["defects"] + sorted(notes(gen) - {n for n in notes(gen) if ":" in n})
    return img, bilevel, expected


def save_image(img, bilevel, out):
    if bilevel:
        Image.fromarray(img).point(lambda v: 255 if v >= 128 else 0).convert("1").save(out, optimize=True)
    else:
        q = (img.astype(np.int32) // 17 * 17).astype(np.uint8)  # 16 grey levels
        Image.fromarray(q).convert("L").quantize(16).save(out, optimize=True, bits=4)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="src", type=pathlib.Path, help="generated training set (seeds 100-199, or 300-302)")
    ap.add_argument("--write", action="store_true", help="rewrite the golden cases (on purpose)")
    ap.add_argument("--check", action="store_true", help="check the stored cases are complete")
    ap.add_argument("--only", metavar="CASE", choices=list(CASES), help="this case alone (the others are kept)")
    args = ap.parse_args()
    if args.check:
        cases = [d for d in sorted(GOLDEN.iterdir()) if d.is_dir()]
        bad = [d.name for d in cases if not ((d / "page.png").exists() and (d / "expected.json").exists())]
        print("golden: incomplete cases: " + ", ".join(bad) if bad else f"golden: {len(cases)} cases complete")
        return 1 if bad else 0
    if not args.src:
        ap.error("--from SET_DIR (or --check) is required")
    gen_info = json.loads((args.src / "truth.json").read_text()).get("generator", {})
    if gen_info.get("hands") not in (None, "train"):
        sys.exit("update_golden: golden cases come from --hands train sets only")
    found, used = {}, set()
    cases = {args.only: CASES[args.only]} if args.only else CASES
    for env, i, page, path in pages_of(args.src):
        for name, test in cases.items():
            if name not in found and path not in used and test(page):
                found[name] = (env, page, path)
                used.add(path)  # one case per page, so each case is its own page
    changed = 0
    for name in cases:
        if name not in found:
            print(f"golden: {name}: no page of {args.src} shows it (kept as is)")
            continue
        img, bilevel, expected = make_case(name, *found[name])
        d = GOLDEN / name
        old = json.loads((d / "expected.json").read_text()) if (d / "expected.json").exists() else None
        if old == expected:
            continue
        changed += 1
        print(f"golden: {name}: {'new' if old is None else 'changed'} from {expected['source']}")
        if args.write:
            d.mkdir(parents=True, exist_ok=True)
            save_image(img, bilevel, d / "page.png")
            (d / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    total = sum(f.stat().st_size for f in GOLDEN.rglob("*") if f.is_file()) if GOLDEN.exists() else 0
    print(f"golden: {changed} case(s) {'written' if args.write else 'differ (run with --write to rewrite)'}; "
          f"folder {total / 1e6:.2f} MB")
    return 1 if changed and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
