#!/usr/bin/python3
"""Checks a generated set against the CONTRACT's truth format and against its files.

  scripts/synth/check_set.py DIR [DIR...]

For every envelope: the files exist and hold as many pages as the truth lists
(multi-page TIFF frames, PDF pages counted with pdfinfo); every sheet has exactly
9 rows whose codes are canonical and follow the Canadian grammar; `duplicate_of`
points to an earlier sheet of the same envelope with the same rows; the table
corners lie inside the image. Prints a summary and exits 1 on the first kind of
problem found in any set (all problems are listed).
"""
import json
import pathlib
import re
import subprocess
import sys

from PIL import Image, ImageOps, ImageSequence

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from synth import postal  # noqa: E402

KINDS = {"signatures", "letter", "blank"}
FORMATS = {"png", "jpg", "tif", "pdf"}


def page_sizes(path):
    """(width, height) of every page of an image file, in its own pixels."""
    if path.suffix == ".pdf":
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
        return [None] * pages  # sizes depend on the rendering resolution
    with Image.open(path) as im:
        if im.format == "JPEG":  # as displayed: EXIF orientation applied
            return [ImageOps.exif_transpose(im).size]
        return [frame.size for frame in ImageSequence.Iterator(im)]


def check(folder):
    folder = pathlib.Path(folder)
    truth = json.loads((folder / "truth.json").read_text())
    problems, pages, sheets = [], 0, 0
    for env in truth["envelopes"]:
        eid = env["id"]
        if env["format"] not in FORMATS:
            problems.append(f"{eid}: format {env['format']!r}")
        sizes = []
        for name in env["files"]:
            if not (folder / name).is_file():
                problems.append(f"{eid}: missing file {name}")
                continue
            got = page_sizes(folder / name)
            if len(env["files"]) > 1 and len(got) != 1:
                problems.append(f"{eid}: {name} has {len(got)} pages, one expected")
            sizes += got
        if len(sizes) != len(env["pages"]):
            problems.append(f"{eid}: files hold {len(sizes)} pages, truth lists {len(env['pages'])}")
        for i, page in enumerate(env["pages"]):
            pages += 1
            where = f"{eid} page {i + 1}"
            if page["kind"] not in KINDS:
                problems.append(f"{where}: kind {page['kind']!r}")
            if page["kind"] != "signatures":
                if page["rows"]:
                    problems.append(f"{where}: rows on a {page['kind']} page")
                continue
            sheets += 1
            if len(page["rows"]) != 9:
                problems.append(f"{where}: {len(page['rows'])} rows")
            for r, row in enumerate(page["rows"], start=1):
                code = row["postal_code"]
                if not isinstance(row["signed"], bool):
                    problems.append(f"{where} row {r}: signed {row['signed']!r}")
                if code is not None and not postal.is_valid(code):
                    problems.append(f"{where} row {r}: postal code {code!r}")
            dup = page.get("duplicate_of")
            if dup is not None:
                if not (0 <= dup < i) or env["pages"][dup]["kind"] != "signatures":
                    problems.append(f"{where}: duplicate_of {dup}")
                elif env["pages"][dup]["rows"] != page["rows"]:
                    problems.append(f"{where}: re-scan of page {dup + 1} with other rows")
            gen = page.get("_gen", {})
            size = sizes[i] if i < len(sizes) else None
            if size and "table_corners" in gen:
                w, h = size
                if not all(-1 <= x <= w and -1 <= y <= h for x, y in gen["table_corners"]):
                    problems.append(f"{where}: table corners outside the {w}x{h} image")
    for p in problems:
        print(f"check_set: {folder}: {p}", file=sys.stderr)
    print(f"check_set: {folder}: {len(truth['envelopes'])} envelopes, {pages} pages, {sheets} sheets, "
          f"{len(problems)} problems")
    return not problems


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ok = [check(d) for d in sys.argv[1:]]
    sys.exit(0 if all(ok) else 1)


if __name__ == "__main__":
    main()
