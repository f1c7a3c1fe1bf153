#!/usr/bin/python3
"""Trains the signed net (models/signed.onnx and signed.json): a small CNN that
decides whether a table row is signed from its signature_view()
(signed/signed.h): the row's signature cell with a third of a row above and
below, as darkness under the paper and as ink without the rules.

One command, from scratch (the sets are those of train_page_kind.py, shared in
.cache/kind/; about an hour and a half on 2 cores when they must be generated,
20 minutes when they are there: 10 to cut the rows, 8 to train):

  scripts/train_signed.py --out models/

1. generates the training sets (scripts/gen_sheets.py, TRAINING hands and seeds
   only, the evaluation profile) into .cache/kind/, or reuses them;
2. runs petiscan-geometry-eval --signed-out --no-signed-net on each: every row
   of every sheet whose table was found, cut exactly as in a scan, with its
   truth (rows whose table corners are off by more than a quarter row are left
   out: their truth is another row's);
3. trains on the --train-seeds, fits a temperature on the --val-seeds so that
   P(signed) is calibrated, and reports the net against the hand-set rules;
4. exports ONNX (opset 12) with the temperature in it, checks cv2.dnn agrees
   with torch, writes the card with the reliability table.
"""
from __future__ import annotations

import argparse
import concurrent.futures
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

import small_nets
from small_nets import export_checked, log

ROOT = pathlib.Path(__file__).resolve().parent.parent
H, W = 32, 256  # signed/signed.h kSignatureViewHeight, kSignatureViewWidth
CONTEXT = 0.3   # kSignatureViewContext
GEOMETRY_EVAL = ROOT / "build" / "release" / "pipeline" / "geometry" / "petiscan-geometry-eval"
GOOD_CONFIDENCE = 0.98  # signed/signed.h SignedSettings::good_confidence


def views(seed: int, envelopes: int, sets: pathlib.Path, work: pathlib.Path) -> pathlib.Path:
    """The rows' views of set `seed`, the set generated first if need be."""
    set_dir = sets / f"train-s{seed}-n{envelopes}"
    spec = {"seed": seed, "envelopes": envelopes, "hands": "train", "profile": "eval"}
    stamp = set_dir / "generated-with.json"
    out = work / f"views-s{seed}-n{envelopes}"
    if not (stamp.exists() and json.loads(stamp.read_text()) == spec):
        log(f"train_signed: generating {envelopes} envelopes (seed {seed}) into {set_dir}")
        subprocess.run(["/usr/bin/python3", str(ROOT / "scripts" / "gen_sheets.py"), "--seed", str(seed),
                        "--envelopes", str(envelopes), "--hands", "train", "--profile", "eval",
                        "--out", str(set_dir)], check=True)
        stamp.write_text(json.dumps(spec))
        shutil.rmtree(out, ignore_errors=True)  # of the old set
    if not (out / "signed.json").exists():
        log(f"train_signed: rows of {set_dir.name}")
        subprocess.run([str(GEOMETRY_EVAL), str(set_dir), "--no-signed-net", "--signed-out", str(out)],
                       check=True, stdout=subprocess.DEVNULL)
    return out


def load(dirs: list[pathlib.Path]):
    """Views (N x 2 x 32 x 256 float), labels (1 = signed), the rules'
    decisions and names; rows whose table is misplaced left out."""
    xs, ys, rules, names = [], [], [], []
    for d in dirs:
        for name, t in json.loads((d / "signed.json").read_text()).items():
            if not t["aligned"]:
                continue
            img = cv2.imread(str(d / name), cv2.IMREAD_GRAYSCALE)
            xs.append(img.reshape(2, H, W).astype(np.float32) / 255.0)
            ys.append(int(t["signed"]))
            rules.append(int(t["geometry"]))
            names.append(f"{d.name}/{name}")
    return np.stack(xs), np.array(ys), np.array(rules), names


class SignedNet(nn.Module):
    """Four 3x3 convolution blocks (three 2x poolings), then the strongest
    response along the row for each of the 4 bands of height left (context
    above, the cell's two halves, context below), two small dense layers.
    `temperature` divides the logits (fitted after training)."""

    def __init__(self):
        super().__init__()
        chans = [2, 12, 24, 32, 48]
        layers = []
        for i in range(4):
            layers += [nn.Conv2d(chans[i], chans[i + 1], 3, padding=1, bias=False),
                       nn.BatchNorm2d(chans[i + 1]), nn.ReLU(inplace=True)]
            if i < 3:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.along = nn.MaxPool2d((1, W // 8))  # 48 x 4 x 32 -> 48 x 4 x 1
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(chans[-1] * (H // 8), 32), nn.ReLU(inplace=True),
                                  nn.Linear(32, 2))
        self.register_buffer("temperature", torch.ones(1))

    def forward(self, x):
        return self.head(self.along(self.features(x))) / self.temperature


def augment(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same row as another scan or hand could show it: mirrored, shifted
    along the row, its darkness scaled (lighter or darker pen and paper), a
    pixel up or down, speckled."""
    if rng.random() < 0.5:
        x = x[:, :, ::-1]
    dx = int(rng.integers(-24, 25))
    x = np.roll(x, dx, axis=2)
    if dx > 0:
        x[:, :, :dx] = 0
    elif dx < 0:
        x[:, :, dx:] = 0
    if rng.random() < 0.3:
        dy = int(rng.choice([-1, 1]))
        x = np.roll(x, dy, axis=1)
    x = x.copy()
    if rng.random() < 0.5:
        x[0] = np.clip(x[0] * rng.uniform(0.6, 1.4), 0, 1)
    if rng.random() < 0.2:
        specks = rng.random(x.shape[1:]) < 0.004
        x[0] = np.maximum(x[0], specks * rng.uniform(0.2, 0.8))
        x[1] = np.maximum(x[1], specks * 1.0)
    return x.astype(np.float32)


def logits_of(model: nn.Module, x: np.ndarray) -> np.ndarray:
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 512):
            out.append(model(torch.from_numpy(x[i:i + 512])).numpy())
    return np.concatenate(out)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the validation rows' negative log-likelihood."""
    z = torch.from_numpy(logits)
    t = torch.from_numpy(y).long()
    best = (float("inf"), 1.0)
    for temp in np.exp(np.linspace(np.log(0.3), np.log(5), 200)):
        nll = float(F.cross_entropy(z / float(temp), t))
        best = min(best, (nll, float(temp)))
    return best[1]


def reliability(p: np.ndarray, y: np.ndarray) -> list[dict]:
    """Rows by confidence in the decision (max(P, 1 - P)): how many, how sure, how often right."""
    conf = np.maximum(p, 1 - p)
    right = (p >= 0.5) == (y == 1)
    edges = [0.5, 0.8, 0.9, 0.95, GOOD_CONFIDENCE, 0.99, 0.999, 1.0001]
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf >= lo) & (conf < hi)
        if m.any():
            out.append({"confidence": f"[{lo:.3f}, {min(hi, 1):.3f}{')' if hi < 1 else ']'}",
                        "rows": int(m.sum()), "mean_confidence": round(float(conf[m].mean()), 4),
                        "observed_right": round(float(right[m].mean()), 4)})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train-seeds", default="110-127")
    ap.add_argument("--val-seeds", default="128-129")
    ap.add_argument("--envelopes", type=int, default=150)
    ap.add_argument("--sets", type=pathlib.Path, default=ROOT / ".cache" / "kind",
                    help="where the generated sets are (shared with train_page_kind.py)")
    ap.add_argument("--work", type=pathlib.Path, default=ROOT / ".cache" / "signed")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "models")
    args = ap.parse_args()
    if not GEOMETRY_EVAL.exists():
        raise SystemExit(f"train_signed: {GEOMETRY_EVAL} missing (scripts/build release)")
    args.sets.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    train_seeds = small_nets.seeds(args.train_seeds, "train_signed")
    val_seeds = small_nets.seeds(args.val_seeds, "train_signed")
    if set(train_seeds) & set(val_seeds):
        raise SystemExit("train_signed: a seed is both for training and for validation")
    t_start = time.time()
    # Two sets at a time (a set and its views take about 2 CPU minutes when it exists).
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        dirs = list(pool.map(lambda s: views(s, args.envelopes, args.sets, args.work), train_seeds + val_seeds))
    xt, yt, _, _ = load(dirs[:len(train_seeds)])
    xv, yv, rv, nv = load(dirs[len(train_seeds):])
    log(f"train_signed: {len(xt)} training rows ({yt.sum()} signed), "
        f"{len(xv)} validation rows ({yv.sum()} signed)")

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    rng = np.random.default_rng(args.seed)
    model = SignedNet()
    batch = 64
    steps = args.epochs * ((len(xt) + batch - 1) // batch)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    t_train = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(xt))
        total = 0.0
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            x = torch.from_numpy(np.stack([augment(xt[j], rng) for j in idx]))
            loss = F.cross_entropy(model(x), torch.from_numpy(yt[idx]).long())
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        pv = torch.softmax(torch.from_numpy(logits_of(model, xv)), 1)[:, 1].numpy()
        errors = int(((pv >= 0.5) != (yv == 1)).sum())
        log(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(xt):.4f}, validation errors "
            f"{errors}/{len(xv)} (the rules: {int((rv != yv).sum())})")
    train_minutes = (time.time() - t_train) / 60

    temperature = fit_temperature(logits_of(model, xv), yv)
    model.temperature.fill_(temperature)
    pv = torch.softmax(torch.from_numpy(logits_of(model, xv)), 1)[:, 1].numpy()
    wrong = (pv >= 0.5) != (yv == 1)
    sure = np.maximum(pv, 1 - pv) >= GOOD_CONFIDENCE
    log(f"temperature {temperature:.3f}; validation: net {int(wrong.sum())} wrong of {len(yv)}, "
        f"rules {int((rv != yv).sum())}; {sure.mean() * 100:.2f} % of rows at confidence "
        f">= {GOOD_CONFIDENCE} with {int((wrong & sure).sum())} wrong")
    for i in np.flatnonzero(wrong):
        log(f"  wrong: {nv[i]} signed={bool(yv[i])} P={pv[i]:.3f}")
    card = {
        "model": "signed.onnx",
        "input": {"height": H, "width": W, "channels": 2, "context": CONTEXT,
                  "preprocessing": "signature_view(): the signature cell with 0.3 of a row above and "
                                   "below, INTER_AREA to 32 x 256; channel 0 darkness under the "
                                   "cell's paper, channel 1 ink without rules; x = pixel / 255"},
        "output": "logits (N, 2): not signed, signed, divided by the temperature; P(signed) = softmax",
        "temperature": temperature,
        "training": {
            "seed": args.seed, "epochs": args.epochs, "batch": batch,
            "train_seeds": train_seeds, "envelopes_per_set": args.envelopes,
            "rows": int(len(xt)), "signed_rows": int(yt.sum()),
            "parameters": sum(p.numel() for p in model.parameters()),
            "train_minutes": round(train_minutes, 1),
            "total_minutes": round((time.time() - t_start) / 60, 1),
            "data": "scripts/gen_sheets.py --hands train --profile eval; rows cut by "
                    "petiscan-geometry-eval --signed-out --no-signed-net; rows of misplaced tables left out",
        },
        "validation": {
            "seeds": val_seeds, "rows": int(len(xv)), "signed_rows": int(yv.sum()),
            "net_wrong": int(wrong.sum()), "rules_wrong": int((rv != yv).sum()),
            "share_at_good_confidence": round(float(sure.mean()), 4),
            "wrong_at_good_confidence": int((wrong & sure).sum()),
            "good_confidence": GOOD_CONFIDENCE,
            "reliability": reliability(pv, yv),
        },
        "rebuild": "scripts/build release && scripts/train_signed.py --out models/",
    }
    onnx_path = args.out / "signed.onnx"
    export_checked(model, torch.zeros(9, 2, H, W), onnx_path, "views")
    (args.out / "signed.json").write_text(json.dumps(card, indent=2) + "\n")
    log(f"export: wrote {onnx_path} ({onnx_path.stat().st_size / 1e3:.0f} kB) and signed.json")


if __name__ == "__main__":
    main()
