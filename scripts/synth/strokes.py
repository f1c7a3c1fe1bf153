"""Single-stroke (centre-line) faces, drawn the way a pen would draw them.

A handwriting font is one person's hand frozen into outlines; a centre-line
face is only the path of the pen, so each writer can be given its own pen
width, pressure, wobble, proportions and slant. Two sources, both Debian or
npm packages the project already uses:

  * Debian `hershey-fonts-data`: the Hershey faces as .jhf files;
  * npm `hersheytext`: the same format as SVG fonts, with the EMS faces
    (Allure, Felix, Nixish, Readability, Tech...) derived from handwriting
    and script fonts.

Data hygiene: the held-out evaluation hand uses OpenCV's FONT_HERSHEY_TRIPLEX,
so every triplex face (rowmant, timesrb, timesib, HersheySerifBold*) is left
out here; this module serves the "train" and "calib" splits only.
"""
from __future__ import annotations

import html
import pathlib
import re
import sys

import cv2
import numpy as np

JHF_DIR = pathlib.Path("/usr/share/hershey-fonts")
SVG_DIR = pathlib.Path(__file__).resolve().parents[2] / ".cache" / "npm" / "node_modules" / "hersheytext" / "svg_fonts"

FACES = {
    "train": [
        "jhf:futural", "jhf:futuram", "jhf:rowmans", "jhf:rowmand", "jhf:scripts", "jhf:cursive",
        "jhf:timesr", "jhf:timesi", "svg:EMSAllure", "svg:EMSElfin", "svg:EMSNixish",
        "svg:EMSOsmotron", "svg:EMSReadability", "svg:EMSTech", "svg:HersheySans1",
        "svg:HersheySansMed", "svg:HersheyScript1", "svg:HersheySerifMed", "svg:HersheySerifMedItalic",
    ],
    # Kept out of training to fit the recognizer's confidence on unseen hands.
    "calib": ["jhf:scriptc", "svg:HersheyScriptMed", "svg:EMSFelix", "svg:EMSNixishItalic",
              "svg:EMSReadabilityItalic"],
}
NEEDED = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

Strokes = list[np.ndarray]  # each (n, 2) float: x right, y down, baseline y = 0


def parse_jhf(text: str) -> dict[str, Strokes]:
    """Glyphs of a .jhf file, numbered from ASCII 32 in file order.

    Each glyph: 5-character id, 3-character vertex count (the first "vertex" is
    the left/right bearing), then that many coordinate pairs, each a letter
    offset from 'R'; " R" lifts the pen. Long glyphs wrap onto the next line.
    """
    out: dict[str, Strokes] = {}
    chars = text.replace("\r", "")
    i, code = 0, 32
    while i < len(chars):
        if chars[i] == "\n":
            i += 1
            continue
        head = chars[i:i + 8]
        if len(head) < 8 or not head[5:8].strip().isdigit():
            break
        n = int(head[5:8])
        i += 8
        body = []
        while len(body) < 2 * n and i < len(chars):
            if chars[i] != "\n":
                body.append(chars[i])
            i += 1
        strokes, cur = [], []
        for k in range(2, len(body) - 1, 2):
            if body[k] == " " and body[k + 1] == "R":
                strokes.append(cur)
                cur = []
            else:
                cur.append((ord(body[k]) - 82, ord(body[k + 1]) - 82))
        strokes.append(cur)
        out[chr(code)] = [np.asarray(s, np.float32) for s in strokes if len(s) >= 1]
        code += 1
    return out


_GLYPH = re.compile(r'<glyph\s+unicode="([^"]*)"[^>]*?\sd="([^"]*)"')
_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def parse_svg_font(text: str) -> dict[str, Strokes]:
    """Glyphs of a hersheytext SVG font (paths of M and L commands only)."""
    out: dict[str, Strokes] = {}
    for uni, d in _GLYPH.findall(text):
        ch = html.unescape(uni)
        if len(ch) != 1:
            continue
        tokens = _TOKEN.findall(d)
        if any(t.isalpha() and t not in "ML" for t in tokens):
            continue  # curves or relative moves: not in these fonts' letters
        strokes, cur = [], []
        k = 0
        while k + 1 < len(tokens):
            t = tokens[k]
            if t in ("M", "L"):
                if t == "M" and cur:
                    strokes.append(cur)
                    cur = []
                k += 1
                continue
            cur.append((float(tokens[k]), -float(tokens[k + 1])))  # y up -> y down
            k += 2
        if cur:
            strokes.append(cur)
        out[ch] = [np.asarray(s, np.float32) for s in strokes]
    return out


class StrokeFace:
    """One centre-line face, scaled so that a capital H is `ref` units tall and
    sits on the baseline y = 0."""

    def __init__(self, name: str, ref: int):
        kind, stem = name.split(":", 1)
        if kind == "jhf":
            glyphs = parse_jhf((JHF_DIR / f"{stem}.jhf").read_text(encoding="latin-1"))
        else:
            glyphs = parse_svg_font((SVG_DIR / f"{stem}.svg").read_text(encoding="utf-8"))
        h = glyphs.get("H")
        if not h:
            raise ValueError(f"{name}: no capital H")
        ys = np.concatenate(h)[:, 1]
        top, base = float(ys.min()), float(ys.max())
        k = ref / max(1e-6, base - top)
        self.name = name
        self.glyphs = {ch: [(s - (0, base)) * k for s in g] for ch, g in glyphs.items()
                       if ch in NEEDED and g}
        missing = [ch for ch in "0123456789ABCEGHJKLMNPRSTVWXYZ" if ch not in self.glyphs]
        if missing:
            raise ValueError(f"{name}: lacks {''.join(missing)}")


def _densify(s: np.ndarray, step: float) -> np.ndarray:
    if len(s) < 2:
        return s
    seg = np.linalg.norm(np.diff(s, axis=0), axis=1)
    t = np.concatenate([[0.0], np.cumsum(seg)])
    if t[-1] <= 0:
        return s[:1]
    n = max(2, int(t[-1] / step) + 1)
    u = np.linspace(0.0, t[-1], n)
    return np.stack([np.interp(u, t, s[:, 0]), np.interp(u, t, s[:, 1])], axis=1)


def _smooth_noise(n: int, rng: np.random.Generator, scale: float, corr: int) -> np.ndarray:
    """n x 2 offsets, correlated over about `corr` points."""
    raw = rng.normal(0.0, 1.0, (n + 2 * corr, 2)).astype(np.float32)
    kern = np.hanning(2 * corr + 1).astype(np.float32)
    kern /= np.sqrt((kern ** 2).sum())
    sm = np.stack([np.convolve(raw[:, j], kern, mode="same") for j in range(2)], axis=1)
    return sm[corr:corr + n] * scale


def draw(strokes: Strokes, rng: np.random.Generator, pen: dict) -> tuple[np.ndarray, int]:
    """(ink uint8, top offset from the baseline) for one character.

    pen: "width" (pixels), "wobble" (pixels), "pressure" (0-1: how much the
    width varies along a stroke), "xscale", "shear", "overshoot" (pixels).
    """
    a, b = pen["xscale"] * rng.uniform(0.92, 1.08), pen["shear"] + rng.normal(0, 0.04)
    ang = rng.normal(0, 0.04)
    m = np.float32([[a * np.cos(ang), -np.sin(ang) - b], [np.sin(ang), np.cos(ang)]])
    lines = []
    for s in strokes:
        p = s @ m.T
        if len(p) >= 2 and pen["overshoot"] > 0:  # start or stop a little early or late
            for end, nxt in ((0, 1), (-1, -2)):
                d = p[end] - p[nxt]
                nd = float(np.linalg.norm(d))
                if nd > 1e-3:
                    p[end] = p[end] + d / nd * rng.normal(0, pen["overshoot"])
        p = _densify(p, 2.0)
        if len(p) >= 2 and pen["wobble"] > 0:
            p = p + _smooth_noise(len(p), rng, pen["wobble"], corr=int(rng.integers(6, 20)))
        lines.append(p)
    pts = np.concatenate(lines)
    w = pen["width"]
    pad = int(np.ceil(w)) + 3
    x0, y0 = np.floor(pts.min(axis=0)) - pad
    x1, y1 = np.ceil(pts.max(axis=0)) + pad
    img = np.zeros((int(y1 - y0) + 1, int(x1 - x0) + 1), np.uint8)
    shift = 4  # sub-pixel coordinates for cv2 drawing
    for p in lines:
        q = np.round((p - (x0, y0)) * (1 << shift)).astype(np.int32)
        if len(q) == 1:
            cv2.circle(img, tuple(int(v) for v in q[0]), int(w / 2 * (1 << shift)), 255, -1, cv2.LINE_AA, shift)
            continue
        # Pressure: the width follows a slow random curve along the stroke.
        widths = w * (1.0 + pen["pressure"] * _smooth_noise(len(q), rng, 1.0, corr=12)[:, 0])
        widths = np.maximum(1, np.rint(np.clip(widths, 1.0, 2.5 * w)[:-1])).astype(int)
        # The width changes slowly, so the stroke is a few runs of one width:
        # one polyline per run (round joints, as segment-by-segment lines).
        cuts = np.flatnonzero(np.diff(widths)) + 1
        for a, b in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(widths)]])):
            cv2.polylines(img, [q[a:b + 1]], False, 255, int(widths[a]), cv2.LINE_AA, shift)
    return img, int(y0)


def random_pen(rng: np.random.Generator, ref: int) -> dict:
    """One writer's pen and habits (units: pixels at capital height `ref`)."""
    return {
        "width": float(rng.uniform(0.03, 0.16) * ref),
        "wobble": float(rng.choice([0.0, 0.01, 0.02, 0.03, 0.045]) * ref),
        "pressure": float(rng.uniform(0.0, 0.35)),
        "xscale": float(rng.uniform(0.75, 1.25)),
        "shear": float(rng.normal(0.0, 0.12)),
        "overshoot": float(rng.uniform(0.0, 0.05) * ref),
    }


def load_faces(ref: int, names: list[str]) -> list[StrokeFace]:
    """The faces of `names` present on this machine (missing ones are skipped)."""
    faces = []
    for name in names:
        try:
            faces.append(StrokeFace(name, ref))
        except (OSError, ValueError, IndexError) as e:
            print(f"strokes: face {name} unusable ({e}); skipped (scripts/setup --data)", file=sys.stderr)
    return faces
