"""Synthetic postal-code cells for the recognizer, and the cell -> tensor
preprocessing shared (bit for bit) with pipeline/recognize/crnn_recognizer.cpp.

A cell is what the pipeline cuts: the code cell of one table row, upright, at
the scan's native resolution (40-130 px tall), with a small margin so ruling
lines and cell borders may show at its edges. `make_cell` draws one with heavy
augmentation; its truth is the six symbols ("H2E2E9") or "" for an empty cell.
"""
from __future__ import annotations

import pathlib
import sys

import cv2
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from synth.handwriting import Hands  # noqa: E402

# ---------------------------------------------------------------- model I/O
INPUT_H, INPUT_W = 32, 192  # network input (1 x 1 x 32 x 192)
ALPHABET = "0123456789ABCEGHJKLMNPRSTVWXYZ"  # postal symbols; D F I O Q U never occur
BLANK = len(ALPHABET)  # CTC blank is the last class
NUM_CLASSES = len(ALPHABET) + 1

LETTERS = "ABCEGHJKLMNPRSTVWXYZ"
FIRST_LETTERS = "ABCEGHJKLMNPRSTVXY"  # W and Z never first
QUEBEC_FIRST = "GHJ"
P_QUEBEC = 0.85


def preprocess(cell: np.ndarray) -> np.ndarray:
    """uint8 grey cell (255 = paper) -> float32 (INPUT_H, INPUT_W), 1 = ink.

    1. new_w = floor(w * INPUT_H / h + 0.5), at least 1, at most INPUT_W;
    2. cv2.resize to (new_w, INPUT_H) with INTER_AREA;
    3. pad on the right with 255 to INPUT_W;
    4. x = (255 - pixel) / 255.
    The C++ twin is preprocess_cell() in pipeline/recognize/crnn_recognizer.cpp.
    """
    assert cell.dtype == np.uint8 and cell.ndim == 2
    h, w = cell.shape
    new_w = int(np.floor(w * INPUT_H / h + 0.5))
    new_w = min(INPUT_W, max(1, new_w))
    small = cv2.resize(cell, (new_w, INPUT_H), interpolation=cv2.INTER_AREA)
    out = np.full((INPUT_H, INPUT_W), 255, np.uint8)
    out[:, :new_w] = small
    return (255.0 - out.astype(np.float32)) / 255.0


# ---------------------------------------------------------------- codes
def random_code(rng: np.random.Generator) -> str:
    """Six symbols of a valid Canadian code, Quebec-heavy first letter."""
    if rng.random() < P_QUEBEC:
        first = QUEBEC_FIRST[rng.integers(3)]
    else:
        first = FIRST_LETTERS[rng.integers(len(FIRST_LETTERS))]
    d = lambda: str(rng.integers(10))  # noqa: E731
    l = lambda: LETTERS[rng.integers(len(LETTERS))]  # noqa: E731
    return first + d() + l() + d() + l() + d()


def written_form(code: str, rng: np.random.Generator) -> str:
    """How a person writes it: case, separator."""
    r = rng.random()
    sep = " " if r < 0.55 else ("" if r < 0.85 else ("-" if r < 0.95 else "  "))
    text = code[:3] + sep + code[3:]
    c = rng.random()
    if c < 0.12:
        text = text.lower()
    elif c < 0.2:
        text = "".join(ch.lower() if rng.random() < 0.5 else ch for ch in text)
    return text


# ---------------------------------------------------------------- augmentation
def _elastic(ink: np.ndarray, rng, alpha: float, sigma: float) -> np.ndarray:
    h, w = ink.shape
    dx = cv2.GaussianBlur((rng.random((h, w)).astype(np.float32) * 2 - 1), (0, 0), sigma) * alpha
    dy = cv2.GaussianBlur((rng.random((h, w)).astype(np.float32) * 2 - 1), (0, 0), sigma) * alpha
    # Baseline wander: a slow vertical wave along the line.
    period = rng.uniform(1.5, 4.0) * w
    dy += np.float32(rng.uniform(0, 0.06) * h) * np.sin(
        2 * np.pi * np.arange(w, dtype=np.float32)[None, :] / period + rng.uniform(0, 6.3))
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(ink, gx + dx, gy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def _scribble(canvas: np.ndarray, x0, y0, x1, y1, rng, thick, level):
    """Cross-out over a box: strike lines or a zig-zag."""
    if rng.random() < 0.5:
        for _ in range(rng.integers(1, 3)):
            ya, yb = rng.uniform(y0, y1, 2)
            cv2.line(canvas, (int(x0), int(ya)), (int(x1), int(yb)), level, thick, cv2.LINE_AA)
    else:
        n = int(rng.integers(3, 7))
        xs = np.linspace(x0, x1, n)
        pts = np.array([[x, y0 if i % 2 else y1] for i, x in enumerate(xs)], np.int32)
        cv2.polylines(canvas, [pts], False, level, thick, cv2.LINE_AA)


def _signature_stroke(canvas: np.ndarray, rng, thick, level, from_left=True):
    """A piece of a neighbouring signature entering the cell from its left edge."""
    h, w = canvas.shape
    reach = rng.uniform(0.05, 0.3) * w
    n = int(rng.integers(4, 10))
    xs = np.sort(rng.uniform(-0.2 * w, reach, n))
    ys = rng.uniform(0.1 * h, 0.95 * h, n)
    pts = np.stack([xs, ys], 1).astype(np.int32)
    if not from_left:
        pts[:, 0] = w - pts[:, 0]
    cv2.polylines(canvas, [pts], False, level, thick, cv2.LINE_AA)


def make_cell(hands: Hands, rng: np.random.Generator, p_empty: float = 0.15,
              p_other_split: Hands | None = None) -> tuple[np.ndarray, str]:
    """One synthetic code cell (uint8, 255 = paper) and its truth ("" = empty)."""
    row_mm = rng.uniform(11.0, 19.0)
    col_mm = rng.uniform(35.0, 85.0)
    H = int(rng.uniform(40, 130))
    # Margin the cutter keeps around the cell interior, as a fraction of H.
    W = int(H * col_mm / row_mm)
    ink = np.zeros((H, W), np.float32)  # 0..1 darkness of ink

    code = "" if rng.random() < p_empty else random_code(rng)
    pen_thick_ref = max(1, int(round(H * rng.uniform(0.01, 0.04))))
    if code:
        text = written_form(code, rng)
        cap = int(H * rng.uniform(0.3, 0.68))
        word = hands.render(text, rng, cap)
        # Elastic distortion at the word's own scale.
        if rng.random() < 0.7:
            word = _elastic(word, rng, alpha=rng.uniform(0.5, 2.5) * max(1.0, cap / 25), sigma=rng.uniform(2, 5))
        wh, ww = word.shape
        room_w, room_h = W * rng.uniform(0.8, 0.97), H * 0.92
        k = min(1.0, room_w / ww, room_h / wh)
        if k < 1.0:
            word = cv2.resize(word, (max(1, int(ww * k)), max(1, int(wh * k))), interpolation=cv2.INTER_AREA)
            wh, ww = word.shape
        x = int(rng.uniform(0.02 * W, max(0.03 * W, W - ww - 0.02 * W)))
        y = int((H - wh) / 2 + rng.normal(0, 0.07 * H))
        y = int(np.clip(y, -0.05 * wh, H - 0.95 * wh))
        ys, xs = max(0, y), max(0, x)
        ye, xe = min(H, y + wh), min(W, x + ww)
        np.maximum(ink[ys:ye, xs:xe], word[ys - y:ye - y, xs - x:xe - x], out=ink[ys:ye, xs:xe])
        # A crossed-out false start next to the code.
        if rng.random() < 0.06:
            other = hands.render(random_code(rng)[: rng.integers(1, 3)], rng, cap)
            oh, ow = other.shape
            ox = x + ww + int(0.05 * W) if rng.random() < 0.5 else x - ow - int(0.05 * W)
            if 0 <= ox and ox + ow <= W and oh <= H:
                oy = int(np.clip(y, 0, H - oh))
                np.maximum(ink[oy:oy + oh, ox:ox + ow], other, out=ink[oy:oy + oh, ox:ox + ow])
                _scribble(ink, ox, oy, ox + ow, oy + oh, rng, pen_thick_ref + 1, 1.0)
        # Pressure: a smooth multiplicative field.
        if rng.random() < 0.6:
            field = cv2.resize(rng.uniform(0.45, 1.0, (3, 6)).astype(np.float32), (W, H),
                               interpolation=cv2.INTER_CUBIC)
            ink *= np.clip(field, 0.45, 1.0)
    elif rng.random() < 0.15:  # a stray dot or tick in an empty cell
        cv2.circle(ink, (int(rng.uniform(0.1, 0.9) * W), int(rng.uniform(0.2, 0.8) * H)),
                   max(1, int(pen_thick_ref * rng.uniform(0.5, 1.5))), 1.0, -1, cv2.LINE_AA)

    # Signature ink from the neighbouring column.
    if rng.random() < 0.12:
        _signature_stroke(ink, rng, pen_thick_ref, float(rng.uniform(0.6, 1.0)))

    # Pen colour / darkness (reflectance drop at full ink).
    pen = rng.uniform(0.55, 0.95)
    img = 1.0 - pen * ink

    # Ruling lines and cell borders near the edges (residual skew small).
    line_dark = rng.uniform(0.3, 0.9)
    lt = int(rng.integers(1, max(2, H // 25) + 2))
    for edge in ("top", "bottom", "left", "right"):
        if rng.random() < 0.55:
            m = int(rng.uniform(-lt, 0.12 * (H if edge in ("top", "bottom") else H)))
            tilt = rng.normal(0, 0.01)
            if edge in ("top", "bottom"):
                y0 = m if edge == "top" else H - 1 - m
                cv2.line(img, (0, int(y0)), (W - 1, int(y0 + tilt * W)), 1 - line_dark, lt)
            else:
                x0 = m if edge == "left" else W - 1 - m
                cv2.line(img, (int(x0), 0), (int(x0 + tilt * H), H - 1), 1 - line_dark, lt)

    # Paper tint and scanner response.
    img = img * rng.uniform(0.8, 1.0) + rng.uniform(0, 0.05)
    if rng.random() < 0.5:
        s = rng.uniform(0.3, 1.3)
        img = cv2.GaussianBlur(img, (0, 0), s)
    img = img + rng.normal(0, rng.uniform(0, 0.06), img.shape).astype(np.float32)
    if rng.random() < 0.1:  # specks
        n = int(rng.integers(1, 30))
        img[rng.integers(0, H, n), rng.integers(0, W, n)] = rng.uniform(0, 0.5)
    out = np.clip(img * 255, 0, 255).astype(np.uint8)
    r = rng.random()
    if r < 0.15:  # 1-bit scan
        # Threshold between the darkest ink and the paper so faint ink survives.
        lo, hi = np.percentile(out, 1), np.median(out)
        thr = lo + (hi - lo) * rng.uniform(0.35, 0.7)
        out = np.where(out < thr, 0, 255).astype(np.uint8)
    elif r < 0.5:  # JPEG
        q = int(rng.integers(25, 90))
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, q])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    if rng.random() < 0.2:  # low-resolution capture, resampled back
        f = rng.uniform(0.4, 0.8)
        small = cv2.resize(out, (max(1, int(W * f)), max(1, int(H * f))), interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (W, H), interpolation=cv2.INTER_LINEAR)
    return out, code


def encode(code: str) -> list[int]:
    return [ALPHABET.index(c) for c in code]
