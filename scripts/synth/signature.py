"""Hand-drawn signatures: random cursive-like scribbles, loops and written names.

`signature(rng, width, height, stroke)` returns a float32 ink map (height x width,
0 = paper, 1 = full ink). Every random choice comes from `rng`, so the same rng
state draws the same signature (a re-scan shows the same physical ink).
"""
import cv2
import numpy as np

# Supersampling factor for anti-aliased strokes (drawn large, then shrunk).
SUPERSAMPLE = 2
# Share of signatures that are a readable name in a script font rather than a scribble.
P_WRITTEN_NAME = 0.25
# Share of scribbles ending with an underline or a flourish stroke.
P_UNDERLINE = 0.35
# Share of signatures starting with a large capital loop.
P_CAPITAL_LOOP = 0.5

FIRST_NAMES = ["Marie", "Jean", "Sylvie", "Luc", "Nathalie", "Pierre", "Isabelle", "Michel",
               "Chantal", "André", "Julie", "François", "Louise", "Gilles", "Sophie", "Yves",
               "Geneviève", "Réjean", "Manon", "Denis", "Amélie", "Claude", "Hélène", "Marc"]
LAST_NAMES = ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie",
              "Fortin", "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron",
              "Leblanc", "Paquette", "Girard", "Simard", "Boucher", "Caron", "Beaulieu"]


def _catmull_rom(points, samples_per_segment=10):
    """Dense smooth curve through `points` (N x 2)."""
    p = np.vstack([points[:1], points, points[-1:]])
    t = np.linspace(0, 1, samples_per_segment, endpoint=False)[:, None]
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                          + (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3))
    out.append(p[-2:-1])
    return np.vstack(out)


def _scribble_strokes(rng, w, h):
    """Control polylines (in a w x h box) of a cursive-looking scribble."""
    strokes = []
    x = rng.uniform(0.02, 0.12) * w
    base = rng.uniform(0.55, 0.75) * h
    xheight = rng.uniform(0.2, 0.35) * h
    slant = rng.uniform(-0.1, 0.45)  # dx per unit of height above the baseline
    if rng.random() < P_CAPITAL_LOOP:
        cx, r = x + 0.06 * w, rng.uniform(0.3, 0.45) * h
        ang = np.linspace(rng.uniform(2.5, 3.5), rng.uniform(2.5, 3.5) + 2 * np.pi * rng.uniform(0.8, 1.3), 14)
        loop = np.stack([cx + 0.6 * r * np.cos(ang), base - r + r * np.sin(ang)], 1)
        strokes.append(loop)
        x = cx + rng.uniform(0.02, 0.08) * w
    end = rng.uniform(0.7, 0.98) * w
    pts = [(x, base)]
    while x < end:
        kind = rng.random()
        step = rng.uniform(0.025, 0.07) * w
        if kind < 0.25:  # an ascender or descender loop
            up = rng.random() < 0.7
            top = base - (rng.uniform(0.5, 0.7) * h if up else -rng.uniform(0.15, 0.3) * h)
            pts += [(x + step * 0.7, base - 0.6 * (base - top)), (x + step * 0.6, top),
                    (x + step * 0.25, base - 0.5 * (base - top)), (x + step, base)]
        elif kind < 0.7:  # an x-height hump or an 'e' loop
            if rng.random() < 0.5:
                pts += [(x + step * 0.5, base - xheight * rng.uniform(0.6, 1.2)), (x + step, base)]
            else:
                pts += [(x + step * 0.7, base - xheight * 0.6), (x + step * 0.45, base - xheight),
                        (x + step * 0.35, base - xheight * 0.3), (x + step, base)]
        else:  # a flat connector
            pts += [(x + step, base - xheight * rng.uniform(0.0, 0.3))]
        x += step
        base += rng.normal(0, 0.02 * h)
    arr = np.array(pts, dtype=np.float64)
    arr[:, 0] += slant * (arr[0, 1] - arr[:, 1])
    arr += rng.normal(0, 0.012 * h, arr.shape)
    strokes.append(arr)
    if rng.random() < P_UNDERLINE:
        y = min(h * 0.95, arr[:, 1].max() + 0.05 * h)
        x0, x1 = rng.uniform(0.0, 0.2) * w, rng.uniform(0.6, 1.0) * w
        strokes.append(np.array([(x0, y + rng.normal(0, 0.03 * h)), ((x0 + x1) / 2, y + rng.normal(0, 0.05 * h)),
                                 (x1, y - rng.uniform(0, 0.15) * h)]))
    return strokes


def _fit(curves, w, h, margin):
    """Shrinks and moves the curves (never enlarges) so that they stay inside the box."""
    pts = np.vstack(curves)
    lo, hi = pts.min(0), pts.max(0)
    k = min(1.0, (w - 2 * margin) / max(1e-6, hi[0] - lo[0]), (h - 2 * margin) / max(1e-6, hi[1] - lo[1]))
    shift = np.clip(lo * k, margin, None) - lo * k
    shift = np.minimum(shift + hi * k, [w - margin, h - margin]) - hi * k
    return [c * k + shift for c in curves]


def _draw_strokes(strokes, w, h, stroke, rng):
    s = SUPERSAMPLE
    canvas = np.zeros((h * s, w * s), np.uint8)
    curves = _fit([_catmull_rom(c) for c in strokes], w, h, stroke)
    for curve in curves:
        curve = curve * s
        n = len(curve)
        # Pen pressure: a slow wave along the stroke, lighter at the ends.
        phase = rng.uniform(0, 6.3)
        press = 0.75 + 0.25 * np.sin(np.linspace(0, rng.uniform(2, 8), n) + phase)
        taper = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / 4.0 + 0.5)
        thick = np.maximum(1, np.round(stroke * s * press * taper)).astype(int)
        pts = np.round(curve).astype(np.int32)
        for i in range(n - 1):
            cv2.line(canvas, tuple(pts[i]), tuple(pts[i + 1]), 255, int(thick[i]), cv2.LINE_AA)
    return cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def _written_name(rng, w, h, stroke):
    """A name in OpenCV's Hershey script fonts, slanted and fitted to the box."""
    name = f"{rng.choice(FIRST_NAMES)[0 if rng.random() < 0.5 else slice(None)]}"
    name = (name + ". " if len(name) == 1 else name + " ") + str(rng.choice(LAST_NAMES))
    name = name.encode("ascii", "replace").decode().replace("?", "e")
    font = [cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX][rng.integers(0, 2)]
    scale = 2.0
    (tw, th), bl = cv2.getTextSize(name, font, scale, 1)
    expected_fit = min(w * 0.8 / tw, h * 0.75 / (th + bl))
    thick = max(1, int(round(stroke / max(expected_fit, 1e-3))))
    (tw, th), bl = cv2.getTextSize(name, font, scale, thick)
    canvas = np.zeros((th + bl + 2 * thick + 8, tw + 2 * thick + 8), np.uint8)
    cv2.putText(canvas, name, (thick + 4, th + thick + 4), font, scale, 255, thick, cv2.LINE_AA)
    shear = rng.uniform(-0.1, 0.35)
    ch, cw = canvas.shape
    m = np.float32([[1, -shear, shear * ch], [0, 1, 0]])
    canvas = cv2.warpAffine(canvas, m, (cw + int(abs(shear) * ch), ch))
    fit = min(w * rng.uniform(0.6, 0.95) / canvas.shape[1], h * rng.uniform(0.6, 0.9) / canvas.shape[0])
    small = cv2.resize(canvas, None, fx=fit, fy=fit, interpolation=cv2.INTER_AREA)
    out = np.zeros((h, w), np.float32)
    sh, sw = small.shape
    y0 = int(rng.uniform(0, max(1, h - sh)))
    x0 = int(rng.uniform(0, max(1, w - sw) * 0.5))
    out[y0:y0 + sh, x0:x0 + sw] = small[:h - y0, :w - x0] / 255.0
    return out


def signature(rng, width, height, stroke):
    """Ink map of one signature filling roughly a width x height box (pixels).

    `stroke` is the pen width in pixels."""
    width, height = max(8, int(width)), max(8, int(height))
    if rng.random() < P_WRITTEN_NAME:
        return _written_name(rng, width, height, stroke)
    return _draw_strokes(_scribble_strokes(rng, width, height), width, height, stroke, rng)
