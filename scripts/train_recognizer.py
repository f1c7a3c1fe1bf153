#!/usr/bin/python3
"""Trains the postal-code recognizer (small CRNN, CTC head) on synthetic cells
made on the fly from the TRAIN split of scripts/synth/handwriting.py, then
exports models/postal_crnn.onnx (opset 12, checked in cv2.dnn against torch)
and models/postal_crnn.json.

  scripts/train_recognizer.py --seed 1 --out models/ --minutes 40

Checkpoints go to .cache/recognizer/ every few minutes; --resume continues one.

From a rendered pool (one command, from scratch, ~50 minutes on 2 cores):

  scripts/train_recognizer.py --seed 21 --pool 200000 --steps 34000 --minutes 58 \\
      --cut-cells .cache/cut/300 .cache/cut/301 .cache/cut/302 --p-cut 0.2 --out DIR

renders the pool on every core first (cached by seed and size), then draws
batches from it with augment_small; --minutes bounds the whole run.

Fine-tuning on cells cut by the pipeline itself (training seeds only):

  build/release/pipeline/geometry/petiscan-geometry-eval SET --cells-out .cache/cut/S
  scripts/train_recognizer.py --init .cache/recognizer/last.pt --cut-cells .cache/cut/S \
      --lr 5e-4 --minutes 15

mixes those cells (share --p-cut) with the synthetic ones, so the network also
sees the crop margins, rule remnants and resampling of real cuts.

From the committed model (its checkpoints are not committed, only its export):

  scripts/train_recognizer.py --init-onnx models/postal_crnn.onnx --lr 4e-4 --minutes 40 ...

reads the exported weights back (BatchNorms rebuilt from training cells, so the
network computes what the export computes) and fine-tunes them.

Calibration (threshold, reliability) is added to the JSON afterwards by
scripts/calibrate_recognizer.py.
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import pathlib
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import recognizer_cells as rc  # noqa: E402

OPSET = 12  # OpenCV 4.6's ONNX importer rejects opset 13's Squeeze
BATCH = 32  # small batches: more updates per CPU minute
BASE_LR = 2e-3
WEIGHT_DECAY = 1e-4
CHECKPOINT_EVERY_S = 300
P_EMPTY = 0.12  # share of empty cells in training
WARMUP_STEPS = 100  # linear LR warm-up; the run is only ~1-2 k steps long


class CRNN(nn.Module):
    """Conv feature extractor (32 x 192 -> 1 x 48) + 1-D convs over time + classifier.

    Output: raw logits (1, C, 1, T); log-softmax over C is applied by the caller
    (an opset-12 LogSoftmax would flatten the wrong axes)."""

    def __init__(self, n_classes: int = rc.NUM_CLASSES):
        super().__init__()

        def block(i, o, k=3, p=1):
            return [nn.Conv2d(i, o, k, padding=p, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]

        # Channel widths chosen for speed: ~24 M multiply-adds per cell, so a
        # 30-minute run on 2 shared cores sees enough steps (a 52 M-MAC first
        # version managed only ~150 steps in 10 minutes on the shared machine).
        self.features = nn.Sequential(
            *block(1, 16), nn.MaxPool2d(2),                   # 16 x 96
            *block(16, 32), nn.MaxPool2d(2),                  # 8 x 48
            *block(32, 48), nn.MaxPool2d((2, 1)),             # 4 x 48
            *block(48, 64), nn.MaxPool2d((2, 1)),             # 2 x 48
            *block(64, 96, k=(2, 1), p=0),                    # 1 x 48
        )
        self.t1 = nn.Sequential(*block(96, 96, k=(1, 5), p=(0, 2)))
        self.t2 = nn.Sequential(*block(96, 96, k=(1, 5), p=(0, 2)))
        self.drop = nn.Dropout(0.1)
        self.head = nn.Conv2d(96, n_classes, 1)

    def forward(self, x):
        f = self.features(x)
        f = f + self.t1(f)
        f = f + self.t2(f)
        return self.head(self.drop(f))


def load_onnx_weights(model: CRNN, onnx_path: pathlib.Path, x: torch.Tensor) -> None:
    """Loads an exported model's weights (as cv2.dnn reads them) into `model`.

    The export folds each BatchNorm into its convolution (weight and bias). To
    fine-tune with batch statistics, each BatchNorm is rebuilt from data: with
    the folded convolution's output on batch `x` having per-channel mean m and
    standard deviation s, the layer gets gamma = s, beta = m + bias and running
    statistics (m, s^2), so it computes the folded function in eval mode and,
    on batches like `x`, in training mode too."""
    try:
        net = cv2.dnn.readNetFromONNX(str(onnx_path))
    except cv2.error as e:
        raise SystemExit(f"train_recognizer: {onnx_path}: not a readable ONNX model ({e.msg.strip()})")
    blobs = {}
    for name in net.getLayerNames():
        layer = net.getLayer(name)
        if layer.type == "Convolution":
            # "onnx_node!/features/features.4/Conv" -> "features.4"; "/head/Conv" -> "head"
            key = name.split("!/")[-1].rsplit("/", 1)[0].split("/")[-1]
            blobs[key] = [torch.from_numpy(np.asarray(b, np.float32)) for b in layer.blobs]
    convs = [(f"features.{i}", model.features[i], model.features[i + 1])
             for i, m in enumerate(model.features) if isinstance(m, nn.Conv2d)]
    convs += [("t1.0", model.t1[0], model.t1[1]), ("t2.0", model.t2[0], model.t2[1])]
    missing = [k for k, _, _ in convs + [("head", None, None)] if k not in blobs]
    if missing:
        raise SystemExit(f"train_recognizer: {onnx_path}: no convolution {', '.join(missing)} "
                         f"(not a postal_crnn export of this architecture)")
    grabbed = {}
    hooks = [conv.register_forward_hook(lambda mod, inp, out, k=k: grabbed.__setitem__(k, out.detach()))
             for k, conv, _ in convs]
    with torch.no_grad():
        for key, conv, bn in convs:
            w, b = blobs[key]
            if tuple(w.shape) != tuple(conv.weight.shape):
                raise SystemExit(f"train_recognizer: {onnx_path}: {key} has shape {tuple(w.shape)}, "
                                 f"this CRNN {tuple(conv.weight.shape)}")
            conv.weight.copy_(w)
            bn.weight.fill_(1.0)
            bn.bias.copy_(b.reshape(-1))
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
        w, b = blobs["head"]
        model.head.weight.copy_(w)
        model.head.bias.copy_(b.reshape(-1))
        model.eval()
        # Layer by layer, so each BatchNorm is rebuilt from the inputs the
        # already rebuilt layers before it give (same function in eval mode).
        for key, conv, bn in convs:
            model(x)
            out = grabbed[key]
            m = out.mean(dim=(0, 2, 3))
            sd = out.std(dim=(0, 2, 3)).clamp_min(1e-3)
            bias = bn.bias.clone()
            bn.weight.copy_(sd)
            bn.bias.copy_(m + bias)
            bn.running_mean.copy_(m)
            bn.running_var.copy_(sd * sd - bn.eps)
    for h in hooks:
        h.remove()


def load_cut_cells(dirs: list[pathlib.Path]) -> list[tuple[np.ndarray, str]]:
    """(cell, six symbols or "") from petiscan-geometry-eval --cells-out folders."""
    cells = []
    for d in dirs:
        for name, code in json.loads((d / "cells.json").read_text()).items():
            img = cv2.imread(str(d / name), cv2.IMREAD_GRAYSCALE)
            if img is not None and img.size:
                cells.append((img, code))
    return cells


def jitter_cut(cell: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Light changes to a real cut: crop margin, blur, JPEG; its content stays."""
    h, w = cell.shape
    dy, dx = int(rng.integers(0, max(1, h // 12))), int(rng.integers(0, max(1, w // 40)))
    out = cell[dy:h - int(rng.integers(0, max(1, h // 12))), dx:w - int(rng.integers(0, max(1, w // 40)))]
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 1.0))
    if rng.random() < 0.3:
        _, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 90))])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out


# ---------------------------------------------------------------- rendered pool
# Drawing a cell costs ~5 ms of Python (fonts, strokes, elastic distortion,
# scanner effects); a training step costs ~2 ms a cell. Rendering a pool once
# on both cores, then drawing batches from it with cheap augmentation at the
# network's 32 x 192 size, gives ~3x more updates per hour than drawing every
# cell fresh, and makes the data a function of the seed alone.
POOL_CHUNK = 500


def _pool_worker_init():
    global _HANDS
    torch.set_num_threads(1)
    _HANDS = rc.Hands("train", ROOT / ".cache")


def _pool_chunk(job):
    seed, chunk, n = job
    rng = np.random.default_rng([seed, 7919, chunk])
    x = np.empty((n, rc.INPUT_H, rc.INPUT_W), np.uint8)
    codes = []
    for i in range(n):
        cell, code = rc.make_cell(_HANDS, rng, p_empty=P_EMPTY)
        x[i] = to_input_u8(cell)
        codes.append(code)
    return chunk, x, codes


def to_input_u8(cell: np.ndarray) -> np.ndarray:
    """rc.preprocess's resize and padding, kept as uint8 (255 = paper)."""
    return (255 - np.rint(rc.preprocess(cell) * 255)).astype(np.uint8)


def render_pool(seed: int, n: int, workers: int) -> tuple[np.ndarray, list[str]]:
    """n synthetic cells of the train split at network size, cached by (seed, n)."""
    path = ROOT / ".cache" / "recognizer" / f"pool-s{seed}-n{n}.npz"
    if path.exists():
        try:
            with np.load(path) as z:
                x, codes = z["x"], [str(c) for c in z["codes"]]
        except (OSError, ValueError, KeyError) as e:
            raise SystemExit(f"train_recognizer: {path}: unreadable pool ({e}); delete it to render again")
        if x.shape != (n, rc.INPUT_H, rc.INPUT_W) or len(codes) != n:
            raise SystemExit(f"train_recognizer: {path}: holds {x.shape[0]} cells of {x.shape[1:]}, "
                             f"not {n}; delete it to render again")
        print(f"pool: {n} cells from {path}", flush=True)
        return x, codes
    jobs = [(seed, k, min(POOL_CHUNK, n - k * POOL_CHUNK)) for k in range((n + POOL_CHUNK - 1) // POOL_CHUNK)]
    x = np.empty((n, rc.INPUT_H, rc.INPUT_W), np.uint8)
    codes = [""] * n
    t0, done = time.time(), 0
    with multiprocessing.get_context("fork").Pool(workers, initializer=_pool_worker_init) as pool:
        for chunk, xs, cs in pool.imap_unordered(_pool_chunk, jobs):
            x[chunk * POOL_CHUNK:chunk * POOL_CHUNK + len(cs)] = xs
            codes[chunk * POOL_CHUNK:chunk * POOL_CHUNK + len(cs)] = cs
            done += len(cs)
            if done % (20 * POOL_CHUNK) < POOL_CHUNK or done == n:
                el = time.time() - t0
                print(f"pool: {done}/{n} cells, {el / 60:.1f} min, {done / el:.0f} cells/s", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.stem + ".partial.npz")  # a killed run leaves no half pool
    np.savez(partial, x=x, codes=np.array(codes))
    os.replace(partial, path)
    return x, codes


def cut_pool(cut: list[tuple[np.ndarray, str]], copies: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """Each pipeline-cut cell `copies` times, lightly jittered at native size, at network size."""
    rng = np.random.default_rng([seed, 104729])
    xs, codes = [], []
    for cell, code in cut:
        for _ in range(copies):
            xs.append(to_input_u8(jitter_cut(cell, rng)))
            codes.append(code)
    return np.stack(xs) if xs else np.empty((0, rc.INPUT_H, rc.INPUT_W), np.uint8), codes


def augment_small(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cheap variation of one 32 x 192 uint8 input: scale, shear, shift that keep
    the ink inside the frame, stroke weight, ink contrast, noise."""
    ink = (255 - x).astype(np.float32)
    cols = np.flatnonzero(ink.max(axis=0) > 40)
    right = int(cols[-1]) if cols.size else 0
    s = rng.uniform(0.85, 1.04)
    sh = rng.uniform(-0.12, 0.12)
    sy = s * rng.uniform(0.92, 1.06)
    h = rc.INPUT_H
    ty = (1 - sy) * h / 2 + rng.uniform(-1.5, 1.5)
    # x' = s x + sh (y - h/2) + tx; keep the rightmost ink inside the frame.
    room = rc.INPUT_W - 2 - (s * right + abs(sh) * h / 2)
    tx = rng.uniform(-1.5, max(-1.5, min(5.0, room)))
    m = np.float32([[s, sh, tx - sh * h / 2], [0, sy, ty]])
    ink = cv2.warpAffine(ink, m, (rc.INPUT_W, h), flags=cv2.INTER_LINEAR, borderValue=0)
    r = rng.random()
    if r < 0.12:
        ink = cv2.dilate(ink, np.ones((2, 2), np.uint8))
    elif r < 0.2:
        thin = cv2.erode(ink, np.ones((2, 1), np.uint8))
        if thin.sum() > 0.5 * ink.sum():
            ink = thin
    ink *= rng.uniform(0.65, 1.0)
    if rng.random() < 0.3:  # sensor noise on the cell, not on the padding
        w = min(rc.INPUT_W, int(np.ceil(s * right + abs(sh) * h / 2 + tx)) + 2)
        ink[:, :w] += rng.normal(0, rng.uniform(2, 14), (h, w)).astype(np.float32)
    return (255 - np.clip(ink, 0, 255)).astype(np.uint8)


class Cells(torch.utils.data.IterableDataset):
    def __init__(self, seed: int, cut: list[tuple[np.ndarray, str]] | None = None,
                 p_cut: float = 0.0):
        self.seed = seed
        self.cut = cut or []
        self.p_cut = p_cut if self.cut else 0.0

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        wid = info.id if info else 0
        rng = np.random.default_rng([self.seed, wid, int(time.time() * 1000) % 100000])
        hands = rc.Hands("train", ROOT / ".cache")
        while True:
            if rng.random() < self.p_cut:
                cell, code = self.cut[rng.integers(len(self.cut))]
                cell = jitter_cut(cell, rng)
            else:
                cell, code = rc.make_cell(hands, rng, p_empty=P_EMPTY)
            yield rc.preprocess(cell)[None], code


def collate(batch):
    x = torch.from_numpy(np.stack([b[0] for b in batch]))
    codes = [b[1] for b in batch]
    targets = torch.tensor([i for c in codes for i in rc.encode(c)], dtype=torch.long)
    lengths = torch.tensor([len(c) for c in codes], dtype=torch.long)
    return x, targets, lengths, codes


def pool_batches(pool_x, pool_codes, cut_x, cut_codes, p_cut: float, seed: int):
    """Endless batches drawn from the rendered pool (and the cut cells), augmented."""
    rng = np.random.default_rng([seed, 15485863])
    while True:
        n_cut = int(rng.binomial(BATCH, p_cut)) if len(cut_codes) else 0
        pick = [(cut_x, cut_codes, int(i)) for i in rng.integers(0, len(cut_codes), n_cut)] if n_cut else []
        pick += [(pool_x, pool_codes, int(i)) for i in rng.integers(0, len(pool_codes), BATCH - n_cut)]
        yield collate([((255.0 - augment_small(xs[i], rng).astype(np.float32))[None] / 255.0, codes[i])
                       for xs, codes, i in pick])


def greedy(logits: torch.Tensor) -> list[str]:
    best = logits.squeeze(2).argmax(1)  # (N, T)
    out = []
    for row in best.tolist():
        s, prev = [], rc.BLANK
        for k in row:
            if k != prev and k != rc.BLANK:
                s.append(rc.ALPHABET[k])
            prev = k
        out.append("".join(s))
    return out


def validation_set(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    hands = rc.Hands("train", ROOT / ".cache")
    cells = [rc.make_cell(hands, rng, p_empty=P_EMPTY) for _ in range(n)]
    x = torch.from_numpy(np.stack([rc.preprocess(c)[None] for c, _ in cells]))
    return x, [code for _, code in cells]


def export(model: CRNN, out_dir: pathlib.Path, facts: dict) -> None:
    model.eval()
    onnx_path = out_dir / "postal_crnn.onnx"
    dummy = torch.zeros(1, 1, rc.INPUT_H, rc.INPUT_W)
    torch.onnx.export(model, dummy, str(onnx_path), opset_version=OPSET,
                      input_names=["cell"], output_names=["logits"], do_constant_folding=True)
    # Verify: OpenCV 4.6 loads it and agrees with torch on random cells.
    net = cv2.dnn.readNetFromONNX(str(onnx_path))
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    x = torch.rand(1, 1, rc.INPUT_H, rc.INPUT_W)
    net.setInput(x.numpy())
    got = net.forward()
    with torch.no_grad():
        want = model(x).numpy()
    diff = float(np.abs(got - want).max())
    print(f"export: cv2.dnn vs torch max |diff| = {diff:.2e}, output {got.shape}", flush=True)
    if got.shape != want.shape or diff > 1e-3:
        raise SystemExit("export: cv2.dnn disagrees with torch")
    meta_path = out_dir / "postal_crnn.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    meta.update({
        "model": "postal_crnn.onnx",
        "alphabet": rc.ALPHABET,
        "blank": rc.BLANK,
        "input": {"channels": 1, "height": rc.INPUT_H, "width": rc.INPUT_W},
        "output": "logits (1, C, 1, T); apply log-softmax over C; T = width / 4",
        "preprocessing": ("uint8 grey cell, 255 = paper; new_w = floor(w * 32 / h + 0.5) clamped to "
                          "[1, 192]; cv::resize to (new_w, 32) INTER_AREA; pad right with 255 to 192; "
                          "x = (255 - pixel) / 255"),
        "training": facts,
    })
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    print(f"export: wrote {onnx_path} ({onnx_path.stat().st_size / 1e6:.2f} MB) and {meta_path}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "models")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--workers", type=int, default=1, help="data-generating processes")
    ap.add_argument("--resume", type=pathlib.Path, help="checkpoint to continue from")
    ap.add_argument("--init", type=pathlib.Path,
                    help="start from this checkpoint's weights (new optimizer and schedule)")
    ap.add_argument("--init-onnx", type=pathlib.Path,
                    help="start from an exported model's weights (e.g. models/postal_crnn.onnx), "
                         "its BatchNorms rebuilt from training cells")
    ap.add_argument("--lr", type=float, default=BASE_LR, help="peak learning rate")
    ap.add_argument("--cut-cells", type=pathlib.Path, nargs="*", default=[],
                    help="petiscan-geometry-eval --cells-out folders to mix in")
    ap.add_argument("--p-cut", type=float, default=0.4, help="share of cut cells per batch")
    ap.add_argument("--pool", type=int, default=0,
                    help="render this many synthetic cells once (both cores) and train on them with "
                         "light augmentation, instead of drawing every cell fresh")
    ap.add_argument("--steps", type=int, default=0,
                    help="steps of the learning-rate schedule, then stop (--minutes still bounds the run); "
                         "required with --pool")
    ap.add_argument("--cut-copies", type=int, default=3, help="with --pool: jittered copies of each cut cell")
    ap.add_argument("--export-only", action="store_true", help="export --resume's weights and stop")
    args = ap.parse_args()

    t_begin = time.time()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    ckpt_dir = ROOT / ".cache" / "recognizer"
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)

    model = CRNN()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params} parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=BASE_LR, weight_decay=WEIGHT_DECAY)
    step, seen, spent0 = 0, 0, 0.0
    if args.resume:
        ck = torch.load(args.resume)
        model.load_state_dict(ck["model"])
        if not args.export_only:
            opt.load_state_dict(ck["opt"])
        step, seen, spent0 = ck["step"], ck["seen"], ck.get("seconds", 0.0)
    if args.export_only:
        export(model, args.out, ck["facts"])
        return
    init_facts = {}
    if args.init:
        ck = torch.load(args.init)
        model.load_state_dict(ck["model"])
        init_facts = ck["facts"]
        print(f"init: weights of {args.init} ({init_facts})", flush=True)
    if args.init_onnx:
        if args.init or args.resume:
            raise SystemExit("train_recognizer: --init-onnx with --init or --resume: choose one start")
        x, _ = validation_set(seed=20_000 + args.seed, n=256)
        load_onnx_weights(model, args.init_onnx, x)
        meta = args.init_onnx.with_suffix(".json")
        init_facts = json.loads(meta.read_text()).get("training", {}) if meta.exists() else {}
        init_facts = {"onnx": str(args.init_onnx), "training": init_facts}
        print(f"init: weights of {args.init_onnx}", flush=True)
    cut = load_cut_cells(args.cut_cells)
    if cut:
        print(f"cut cells: {len(cut)} from {', '.join(map(str, args.cut_cells))}, "
              f"{args.p_cut:.0%} of each batch", flush=True)

    val_x, val_codes = validation_set(seed=10_000 + args.seed)
    if args.pool:
        if not args.steps:
            raise SystemExit("train_recognizer: --pool needs --steps")
        pool_x, pool_codes = render_pool(args.seed, args.pool, os.cpu_count() or 2)
        cut_x, cut_codes = cut_pool(cut, args.cut_copies, args.seed)
        loader = pool_batches(pool_x, pool_codes, cut_x, cut_codes, args.p_cut if cut else 0.0, args.seed)
    else:
        loader = torch.utils.data.DataLoader(Cells(args.seed, cut, args.p_cut), batch_size=BATCH,
                                             collate_fn=collate, num_workers=args.workers,
                                             prefetch_factor=4 if args.workers else 2)
    ctc = nn.CTCLoss(blank=rc.BLANK, zero_infinity=True)
    budget = args.minutes * 60 - (time.time() - t_begin)  # rendering the pool counts too
    start = time.time()
    last_ck = start
    warmup = WARMUP_STEPS
    run_loss = None
    facts = {}

    def validate():
        model.eval()
        with torch.no_grad():
            pred = greedy(model(val_x))
        model.train()
        return float(np.mean([p == c for p, c in zip(pred, val_codes)]))

    def save(tag):
        nonlocal facts
        facts = {"seed": args.seed, "steps": step, "cells_seen": seen, "batch": BATCH,
                 "train_minutes": round((spent0 + time.time() - start) / 60, 1),
                 "parameters": n_params, "peak_lr": args.lr, "val_greedy_exact_train_split": validate(),
                 "data": "synthetic cells, scripts/recognizer_cells.py, handwriting split 'train'"}
        if args.pool:
            facts["pool"] = {"cells": args.pool, "schedule_steps": args.steps,
                             "augmentation": "train_recognizer.py: augment_small"}
            facts["total_minutes"] = round((time.time() - t_begin) / 60, 1)
        if init_facts:
            facts["fine_tuned_from"] = init_facts
        if cut:
            facts["cut_cells"] = {"cells": len(cut), "share": args.p_cut,
                                  "from": [str(d) for d in args.cut_cells]}
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "seen": seen,
                    "seconds": spent0 + time.time() - start, "facts": facts}, ckpt_dir / f"{tag}.pt")
        print(f"checkpoint {tag}: {facts}", flush=True)

    tag = "finetune" if args.init or args.init_onnx else "last"  # never overwrite the run fine-tuned from
    model.train()
    for x, targets, lengths, codes in loader:
        elapsed = time.time() - start
        if elapsed > budget or (args.steps and step >= args.steps):
            break
        frac = min(1.0, (spent0 + elapsed) / (spent0 + budget))
        if args.steps:  # the schedule follows the steps unless time runs out first
            frac = max(frac, step / args.steps)
        lr = args.lr * min(1.0, (step + 1) / warmup) * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        logits = model(x).squeeze(2).permute(2, 0, 1)  # (T, N, C)
        logp = F.log_softmax(logits, dim=2)
        T = logp.shape[0]
        loss = ctc(logp, targets, torch.full((x.shape[0],), T, dtype=torch.long), lengths)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        seen += x.shape[0]
        run_loss = loss.item() if run_loss is None else 0.98 * run_loss + 0.02 * loss.item()
        if step % 50 == 0:
            print(f"step {step} t={elapsed / 60:.1f}min lr={lr:.2e} loss={run_loss:.3f} "
                  f"{seen / max(1e-9, elapsed):.0f} cells/s", flush=True)
        if time.time() - last_ck > CHECKPOINT_EVERY_S:
            save(tag)
            last_ck = time.time()
    save(tag)
    export(model, args.out, facts)


if __name__ == "__main__":
    main()
