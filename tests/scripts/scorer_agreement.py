#!/usr/bin/python3
"""petiscan's scorer gives exactly the reference scorer's figures on random runs.

Random truth files (multi-file and single-file envelopes, re-scans, letters,
blanks) and random predictions (missing pages, wrong kinds, false duplicates,
lower-case codes) are scored by both; any difference fails. Exit 77 (skipped)
when the reference scorer is not beside the repository.
"""
import json
import pathlib
import random
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import petiscan_score  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "eval" / "score.py"
CODES = ["H2E 2E9", "G1R 4P5", "J8Y 3C2", "K1A 0B1", "H3Z 2Y7"]


def random_case(rng):
    envelopes, results = [], []
    for e in range(rng.randint(3, 12)):
        n = rng.randint(1, 4)
        multi = rng.random() < 0.5
        files = [f"env{e}-{i}.png" for i in range(n)] if multi else [f"env{e}.tif"]
        pages = []
        for i in range(n):
            kind = rng.choice(["signatures", "signatures", "letter", "blank"])
            rows = []
            if kind == "signatures":
                for _ in range(9):
                    s = rng.random() < 0.6
                    rows.append({"signed": s, "postal_code": rng.choice(CODES) if rng.random() < 0.6 else None})
            page = {"kind": kind, "rows": rows}
            if kind == "signatures" and i > 0 and pages[0]["kind"] == "signatures" and rng.random() < 0.3:
                page = dict(pages[0], duplicate_of=0)
            pages.append(page)
        envelopes.append({"id": f"env{e}", "files": files, "format": "png", "pages": pages})
        for i, p in enumerate(pages):
            src, pno = (files[i], 1) if multi else (files[0], i + 1)
            if rng.random() < 0.05:
                continue  # a page the run never reported
            kind = {"letter": "other"}.get(p["kind"], p["kind"])
            if rng.random() < 0.1:
                kind = rng.choice(["signatures", "other", "blank"])
            dup = {"source": files[0], "page": 1} if rng.random() < 0.3 else None
            results.append({"type": "page", "source": src, "page": pno, "kind": kind, "duplicate_of": dup})
            if kind == "signatures":
                for r in range(1, 10):
                    truth_row = p["rows"][r - 1] if p["rows"] else {"signed": False, "postal_code": None}
                    code = truth_row["postal_code"]
                    if rng.random() < 0.2:
                        code = rng.choice(CODES + [None])
                    if code and rng.random() < 0.2:
                        code = code.lower().replace(" ", "")
                    results.append({"type": "row", "source": src, "page": pno, "row": r,
                                    "signed": truth_row["signed"] ^ (rng.random() < 0.1),
                                    "postal_code": code,
                                    "status": rng.choice(["accepted", "review", "corrected"]),
                                    "confidence": rng.random()})
    return {"envelopes": envelopes}, results


def main():
    if not REFERENCE.exists():
        print(f"skipped: no reference scorer at {REFERENCE}")
        return 77
    rng = random.Random(20261128)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for case in range(40):
            truth, results = random_case(rng)
            (tmp / "truth.json").write_text(json.dumps(truth))
            (tmp / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in results))
            ref = json.loads(subprocess.run([sys.executable, str(REFERENCE), str(tmp / "truth.json"),
                                             str(tmp / "r.jsonl")], check=True, capture_output=True,
                                            text=True).stdout)
            ours = petiscan_score.score(truth, *petiscan_score.read_results(tmp / "r.jsonl"))
            if ours != ref:
                print(f"case {case}: disagreement\n ours {ours}\n  ref {ref}")
                return 1
    print("40 random runs: petiscan's scorer agrees with the reference scorer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
