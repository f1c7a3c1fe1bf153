#!/usr/bin/python3
"""Trains the page-kind net (models/page_kind.onnx and page_kind.json): a small
CNN that takes a second look at the pages the geometry called `other` (no table,
no rules seen) and tells a signature sheet whose rules vanished from the letter
or a cover note by the layout of its ink (classify/page_kind_net.h).

One command, from scratch (about an hour on 2 cores, most of it generating the
20 sets of 150 envelopes; 20 minutes of training):

  scripts/train_page_kind.py --out models/

1. generates the training sets (scripts/gen_sheets.py, TRAINING hands and seeds
   only, the evaluation profile) into .cache/kind/, or reuses them;
2. runs petiscan-geometry-eval --thumbs-out on each: every page's thumbnail
   exactly as the pipeline makes it, with its true kind and the geometry's;
3. trains on the --train-seeds, picks the threshold on the --val-seeds: in
   log-odds, halfway between the letter or note most like a sheet and the
   sheet the geometry called `other` least like one;
4. exports ONNX (opset 12), checks cv2.dnn agrees with torch, writes the card.

Blank pages are left out: the net only ever sees pages with ink.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import subprocess
import time

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from small_nets import export_checked, log
import small_nets

ROOT = pathlib.Path(__file__).resolve().parent.parent
SIZE = 128  # classify/page_kind_net.h kKindThumbnailSize
GEOMETRY_EVAL = ROOT / "build" / "release" / "pipeline" / "geometry" / "petiscan-geometry-eval"
# A letter taken for a sheet costs a review; weighing the letters up pushes
# them further from the sheets, where the threshold is drawn.
CLASS_WEIGHTS = [2.0, 1.0]  # other, signatures
P_TRUNCATE = 0.35  # share of letters and notes cut down to a band of their lines


def seeds(text: str) -> list[int]:
    return small_nets.seeds(text, "train_page_kind")


def thumbnails(seed: int, envelopes: int, work: pathlib.Path) -> pathlib.Path:
    """The set of `seed` and its thumbnails, generated unless already there."""
    set_dir = work / f"train-s{seed}-n{envelopes}"
    spec = {"seed": seed, "envelopes": envelopes, "hands": "train", "profile": "eval"}
    stamp = set_dir / "generated-with.json"
    if not (stamp.exists() and json.loads(stamp.read_text()) == spec):
        log(f"train_page_kind: generating {envelopes} envelopes (seed {seed}) into {set_dir}")
        subprocess.run(["/usr/bin/python3", str(ROOT / "scripts" / "gen_sheets.py"), "--seed", str(seed),
                        "--envelopes", str(envelopes), "--hands", "train", "--profile", "eval",
                        "--out", str(set_dir)], check=True)
        stamp.write_text(json.dumps(spec))
        shutil.rmtree(work / f"thumbs-s{seed}-n{envelopes}", ignore_errors=True)  # of the old set
    thumbs = work / f"thumbs-s{seed}-n{envelopes}"
    if not (thumbs / "thumbs.json").exists():
        log(f"train_page_kind: thumbnails of {set_dir.name}")
        subprocess.run([str(GEOMETRY_EVAL), str(set_dir), "--no-kind-net", "--thumbs-out", str(thumbs)],
                       check=True, stdout=subprocess.DEVNULL)
    return thumbs


def load(dirs: list[pathlib.Path]):
    """Thumbnails (N x 128 x 128 float, 1 = ink), labels (1 = sheet) and what
    the geometry said, blanks left out."""
    xs, ys, geo, names = [], [], [], []
    for d in dirs:
        for name, t in json.loads((d / "thumbs.json").read_text()).items():
            if t["truth"] == "blank":
                continue
            img = cv2.imread(str(d / name), cv2.IMREAD_GRAYSCALE)
            xs.append(img.astype(np.float32) / 255.0)
            ys.append(1 if t["truth"] == "signatures" else 0)
            geo.append(t["geometry"])
            names.append(f"{d.name}/{name}")
    return np.stack(xs), np.array(ys), geo, names


class KindNet(nn.Module):
    """Five 3x3 convolutions (the last four after 2x pooling), global average
    pooling, two logits (other, signatures). About 60 k parameters."""

    def __init__(self):
        super().__init__()
        chans = [1, 16, 32, 48, 64, 64]
        layers = []
        for i in range(5):
            layers += [nn.Conv2d(chans[i], chans[i + 1], 3, padding=1, bias=False),
                       nn.BatchNorm2d(chans[i + 1]), nn.ReLU(inplace=True)]
            if i < 4:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(chans[-1], 2)

    def forward(self, x):
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.head(x)


def augment(x: np.ndarray, sheet: bool, rng: np.random.Generator) -> np.ndarray:
    """A page as another scan could show it: any quarter turn or mirror (the
    net looks before the half turn is known), shifted and scaled by a few
    percent, darker or lighter ink, rule remnants the line filter missed.
    A letter or note may also lose all but a band of its lines: printed text
    over part of a page, the rest empty, is still no sheet (without it the
    net took a half page of text for a sheet's header above an empty table)."""
    if not sheet and rng.random() < P_TRUNCATE:
        top = rng.integers(0, SIZE // 2)
        bottom = min(SIZE, top + rng.integers(SIZE // 8, SIZE * 3 // 4))
        x = x.copy()
        x[:top] = 0
        x[bottom:] = 0
    x = np.rot90(x, rng.integers(4))
    if rng.random() < 0.5:
        x = x[:, ::-1]
    # Half the pages keep their pixels as they are: resampling blurs the thin
    # print of a letter, and a net that never saw it sharp takes it for a sheet.
    if rng.random() < 0.5:
        m = cv2.getRotationMatrix2D((SIZE / 2, SIZE / 2), rng.uniform(-4, 4), rng.uniform(0.9, 1.1))
        m[:, 2] += rng.uniform(-8, 8, 2)
        x = cv2.warpAffine(np.ascontiguousarray(x), m, (SIZE, SIZE), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if rng.random() < 0.5:
        x = np.clip(x * rng.uniform(0.6, 1.5), 0, 1)
    if rng.random() < 0.3:  # pieces of rules left over, across or along
        for _ in range(rng.integers(1, 6)):
            y = rng.integers(SIZE)
            a, b = sorted(rng.integers(0, SIZE, 2))
            x[y, a:b] = np.maximum(x[y, a:b], rng.uniform(0.05, 0.4))
        if rng.random() < 0.5:
            x = x.T
    if rng.random() < 0.3:  # speckle
        x = np.clip(x + (rng.random(x.shape) < 0.01) * rng.uniform(0.1, 0.5), 0, 1)
    return x.astype(np.float32)


def probabilities(model: nn.Module, x: np.ndarray) -> np.ndarray:
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 256):
            logits = model(torch.from_numpy(x[i:i + 256, None]))
            out.append(torch.softmax(logits, 1)[:, 1].numpy())
    return np.concatenate(out)


def export(model: nn.Module, out_dir: pathlib.Path, card: dict) -> None:
    onnx_path = out_dir / "page_kind.onnx"
    export_checked(model, torch.zeros(1, 1, SIZE, SIZE), onnx_path, "thumbnail")
    (out_dir / "page_kind.json").write_text(json.dumps(card, indent=2) + "\n")
    log(f"export: wrote {onnx_path} ({onnx_path.stat().st_size / 1e3:.0f} kB) and page_kind.json")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train-seeds", default="110-113,116-129")
    ap.add_argument("--val-seeds", default="114-115")
    ap.add_argument("--envelopes", type=int, default=150)
    ap.add_argument("--work", type=pathlib.Path, default=ROOT / ".cache" / "kind")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "models")
    args = ap.parse_args()
    if not GEOMETRY_EVAL.exists():
        raise SystemExit(f"train_page_kind: {GEOMETRY_EVAL} missing (scripts/build release)")
    args.work.mkdir(parents=True, exist_ok=True)
    train_seeds, val_seeds = seeds(args.train_seeds), seeds(args.val_seeds)
    if set(train_seeds) & set(val_seeds):
        raise SystemExit("train_page_kind: a seed is both for training and for validation")
    t_start = time.time()
    train_dirs = [thumbnails(s, args.envelopes, args.work) for s in train_seeds]
    val_dirs = [thumbnails(s, args.envelopes, args.work) for s in val_seeds]
    xt, yt, _, _ = load(train_dirs)
    xv, yv, gv, nv = load(val_dirs)
    log(f"train_page_kind: {len(xt)} training pages ({yt.sum()} sheets), "
        f"{len(xv)} validation pages ({yv.sum()} sheets)")

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    rng = np.random.default_rng(args.seed)
    model = KindNet()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    batch = 64
    steps = args.epochs * ((len(xt) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    t_train = time.time()
    step = 0
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(xt))
        total = 0.0
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            x = torch.from_numpy(np.stack([augment(xt[j], yt[j] == 1, rng) for j in idx])[:, None])
            y = torch.from_numpy(yt[idx]).long()
            loss = F.cross_entropy(model(x), y, weight=torch.tensor(CLASS_WEIGHTS))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            total += float(loss) * len(idx)
        pv = probabilities(model, xv)
        acc = float(((pv >= 0.5) == yv).mean())
        log(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(xt):.4f}, validation accuracy {acc:.4f}")
    train_minutes = (time.time() - t_train) / 60

    # The threshold, in log-odds halfway between the validation letter or note
    # most like a sheet and the sheet the geometry called `other` least like
    # one: a letter taken for a sheet costs a review, a sheet taken for a
    # letter loses its signatures; neither side is favoured.
    pv = probabilities(model, xv)
    logit = lambda p: float(np.log(max(p, 1e-9) / max(1e-9, 1 - p)))  # noqa: E731
    worst_other = float(pv[yv == 0].max())
    lost = [i for i in range(len(xv)) if yv[i] == 1 and gv[i] == "other"]
    weakest_lost = float(min(pv[i] for i in lost)) if lost else 1.0
    middle = (logit(worst_other) + logit(weakest_lost)) / 2
    threshold = float(max(0.5, 1 / (1 + np.exp(-middle))))
    found = [nv[i] for i in lost if pv[i] >= threshold]
    missed = {nv[i]: round(float(pv[i]), 4) for i in lost if pv[i] < threshold}
    others_geo = [i for i in range(len(xv)) if yv[i] == 0 and gv[i] == "other"]
    log(f"threshold {threshold:.4f} (worst letter or note {worst_other:.4f}, weakest sheet the "
        f"geometry called other {weakest_lost:.4f}); those sheets: {len(found)}/{len(lost)} "
        f"recovered; missed {missed}")
    card = {
        "model": "page_kind.onnx",
        "input": {"size": SIZE, "channels": 1,
                  "preprocessing": "kind_thumbnail(): the work page's ink without its long rules, "
                                   "INTER_AREA to 128 x 128; x = pixel / 255"},
        "output": "logits (1, 2): other, signatures; P(sheet) = softmax",
        "threshold": threshold,
        "training": {
            "seed": args.seed, "epochs": args.epochs, "batch": batch, "class_weights": CLASS_WEIGHTS,
            "p_truncate": P_TRUNCATE,
            "train_seeds": train_seeds, "envelopes_per_set": args.envelopes,
            "pages": int(len(xt)), "sheets": int(yt.sum()),
            "parameters": sum(p.numel() for p in model.parameters()),
            "train_minutes": round(train_minutes, 1),
            "total_minutes": round((time.time() - t_start) / 60, 1),
            "data": "scripts/gen_sheets.py --hands train --profile eval; thumbnails by "
                    "petiscan-geometry-eval --thumbs-out; blank pages left out",
        },
        "validation": {
            "seeds": val_seeds, "pages": int(len(xv)), "sheets": int(yv.sum()),
            "accuracy_at_0.5": float(((pv >= 0.5) == yv).mean()),
            "worst_other_probability": worst_other,
            "weakest_sheet_called_other_probability": weakest_lost,
            "threshold_rule": "halfway in log-odds between the two",
            "sheets_called_other_by_geometry": len(lost),
            "of_which_recovered": len(found),
            "letters_called_other_by_geometry": len(others_geo),
            "of_which_taken_for_sheets": int(sum(pv[i] >= threshold for i in others_geo)),
        },
        "rebuild": "scripts/build release && scripts/train_page_kind.py --out models/",
    }
    export(model, args.out, card)


if __name__ == "__main__":
    main()
