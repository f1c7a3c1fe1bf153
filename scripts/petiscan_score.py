#!/usr/bin/python3
"""petiscan's own scorer: the CONTRACT's figures for a run against truth.json.

An independent implementation of ../shared/eval/score.py's definitions
(scripts/evaluate checks that both agree on every run), importable as a module.

Usage: petiscan_score.py TRUTH_JSON RESULTS_JSONL
"""
import json
import re
import sys
from collections import Counter


def canonical(code):
    """'h2e2e9', 'H2E-2E9' -> 'H2E 2E9'; None stays None."""
    if code is None:
        return None
    s = re.sub(r"[^A-Za-z0-9]", "", str(code)).upper()
    return f"{s[:3]} {s[3:]}" if len(s) == 6 else s


def truth_by_page(truth):
    """{(file base name, page from 1): page truth with 'dup_key'}."""
    pages = {}
    for env in truth["envelopes"]:
        files = env["files"]

        def key_of(i):
            return (files[0], i + 1) if len(files) == 1 else (files[i], 1)

        for i, page in enumerate(env["pages"]):
            dup = page.get("duplicate_of")
            pages[key_of(i)] = dict(page, dup_key=None if dup is None else key_of(dup))
    return pages


def read_results(path):
    pages, rows = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            key = (rec["source"].split("/")[-1], int(rec["page"]))
            if rec["type"] == "page":
                pages[key] = rec
            elif rec["type"] == "row":
                rows[key + (int(rec["row"]),)] = rec
    return pages, rows


def score(truth, pages, rows):
    n = Counter()
    for key, t in truth_by_page(truth).items():
        sheet = t["kind"] == "signatures"
        n["pages"] += 1
        got = pages.get(key)
        if got is not None:
            n["kind_ok"] += (got["kind"] == "signatures") == sheet
        if not sheet:
            continue
        n["sheets"] += 1
        true_signed = sum(1 for r in t["rows"] if r["signed"])
        if t["dup_key"] is None:
            n["gt_total"] += true_signed
        pred_dup = (got or {}).get("duplicate_of")
        if t["dup_key"] is not None:
            n["dups"] += 1
            n["dups_found"] += pred_dup is not None
        elif pred_dup is not None:
            n["false_dups"] += 1
        true_codes = Counter(r["postal_code"] for r in t["rows"] if r["postal_code"])
        read_codes = Counter(canonical(rows[key + (i,)]["postal_code"]) for i in range(1, 10)
                             if key + (i,) in rows and rows[key + (i,)].get("postal_code"))
        n["gt_codes"] += sum(true_codes.values())
        n["codes_found"] += sum((true_codes & read_codes).values())
        n["codes_spurious"] += sum((read_codes - true_codes).values())
        predicted_signed, any_row = 0, False
        for i, tr in enumerate(t["rows"], start=1):
            n["rows"] += 1
            pr = rows.get(key + (i,))
            if pr is None:
                continue
            any_row = True
            signed_ok = bool(pr["signed"]) == tr["signed"]
            code_ok = canonical(pr.get("postal_code")) == canonical(tr["postal_code"])
            n["signed_ok"] += signed_ok
            predicted_signed += bool(pr["signed"])
            if tr["postal_code"]:
                n["code_rows"] += 1
                n["code_exact"] += code_ok
            accepted = pr.get("status") == "accepted"
            if tr["signed"] or tr["postal_code"]:
                n["filled"] += 1
                n["filled_auto"] += accepted
            if accepted:
                n["auto"] += 1
                n["auto_wrong"] += not (signed_ok and code_ok)
        if any_row:
            n["count_exact"] += predicted_signed == true_signed
            if pred_dup is None:
                n["pred_total"] += predicted_signed

    def pct(a, b):
        return round(100.0 * n[a] / n[b], 2) if n[b] else None

    return {
        "pages": n["pages"], "sheets": n["sheets"], "rows": n["rows"],
        "page_kind_accuracy_pct": pct("kind_ok", "pages"),
        "row_signed_accuracy_pct": pct("signed_ok", "rows"),
        "sheet_count_exact_pct": pct("count_exact", "sheets"),
        "gt_total_signatures": n["gt_total"], "pred_total_signatures": n["pred_total"],
        "postal_exact_row_pct": pct("code_exact", "code_rows"),
        "postal_page_recall_pct": pct("codes_found", "gt_codes"),
        "postal_spurious": n["codes_spurious"],
        "filled_rows_auto_pct": pct("filled_auto", "filled"),
        "auto_accepted_error_pct": pct("auto_wrong", "auto"),
        "duplicates": n["dups"], "duplicates_found": n["dups_found"],
        "false_duplicates": n["false_dups"],
    }


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        truth = json.load(f)
    print(json.dumps(score(truth, *read_results(sys.argv[2])), indent=1))


if __name__ == "__main__":
    main()
