"""Scanning a physical page: placement on the glass (skew), resolution, quarter
turns, phone photos (perspective, light, desk) and scanner defects.

Conventions (also written into truth "_gen"):
- skew_deg: the small in-plane rotation applied to the upright page,
  counter-clockwise positive (as cv2.getRotationMatrix2D), degrees.
- rotation: the clockwise quarter turn (0/90/180/270) applied after the skew.
  To go back upright: turn counter-clockwise by `rotation`, then rotate by -skew_deg.
- table_corners: TL, TR, BR, BL of the table's outer frame (centre of the frame
  lines), as they appear in the final image's pixels (TL = the upright page's
  top-left corner of the table, wherever it ends up after the turn).
"""
import cv2
import numpy as np

from .layout import MASTER_DPI


def _affine3(m):
    return np.vstack([m, [0, 0, 1]])


def apply_h(h, pts):
    """Points (N x 2) through the 3x3 transform h."""
    pts = np.asarray(pts, np.float64)
    q = np.hstack([pts, np.ones((len(pts), 1))]) @ h.T
    return q[:, :2] / q[:, 2:3]


def turn(img, rotation):
    """Clockwise quarter turn of the image and the 3x3 point transform that goes with it."""
    h, w = img.shape[:2]
    k = rotation // 90
    if k == 0:
        return img, np.eye(3)
    if k == 1:
        t = np.array([[0, -1, h - 1], [1, 0, 0], [0, 0, 1]], np.float64)
    elif k == 2:
        t = np.array([[-1, 0, w - 1], [0, -1, h - 1], [0, 0, 1]], np.float64)
    else:
        t = np.array([[0, 1, 0], [-1, 0, w - 1], [0, 0, 1]], np.float64)
    return np.ascontiguousarray(np.rot90(img, -k)), t


def shrink(reflect, k):
    """Area-averages the page by k < 1, as a sensor integrates light over its pixels
    (plain bilinear sampling would drop or break thin ruling lines).

    Returns (smaller image, 3x3 transform master px -> smaller px)."""
    H, W = reflect.shape[:2]
    w, h = max(1, int(round(W * k))), max(1, int(round(H * k)))
    kx, ky = w / W, h / H
    small = cv2.resize(reflect, (w, h), interpolation=cv2.INTER_AREA)
    # Pixel centres: x' + 0.5 = (x + 0.5) * kx.
    return small, np.array([[kx, 0, 0.5 * kx - 0.5], [0, ky, 0.5 * ky - 0.5], [0, 0, 1]], np.float64)


def scanner(reflect, dpi, skew_deg, bed_rgb, bed_margin_mm, rng):
    """The page on a flatbed glass: rotated by skew about its centre, sampled at dpi.

    `reflect` is H x W x 3 (colour scan) or H x W (grey scan).
    Returns (image float32, 3x3 transform master px -> image px)."""
    H, W = reflect.shape[:2]
    k = dpi / MASTER_DPI
    margin = bed_margin_mm * dpi / 25.4
    out_w, out_h = int(round(W * k + 2 * margin)), int(round(H * k + 2 * margin))
    pre = np.eye(3)
    if k < 1:
        reflect, pre = shrink(reflect, k)
        H, W = reflect.shape[:2]
        k = 1.0
    m = cv2.getRotationMatrix2D((W / 2, H / 2), skew_deg, k)
    m[0, 2] += out_w / 2 - W / 2
    m[1, 2] += out_h / 2 - H / 2
    # A shift of up to a few millimetres: pages never sit exactly centred.
    m[0, 2] += rng.uniform(-0.4, 0.4) * margin
    m[1, 2] += rng.uniform(-0.4, 0.4) * margin
    bed = tuple(float(v) for v in bed_rgb) if reflect.ndim == 3 else float(np.mean(bed_rgb))
    img = cv2.warpAffine(reflect, m, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=bed)
    return img, _affine3(m) @ pre


def desk_background(rng, w, h):
    """A desk or table top: a smooth wood/laminate colour with grain and noise."""
    base = rng.choice([[0.45, 0.32, 0.2], [0.25, 0.22, 0.2], [0.6, 0.58, 0.55], [0.35, 0.25, 0.18], [0.15, 0.15, 0.17]])
    base = np.array(base, np.float32) * rng.uniform(0.8, 1.15)
    small = rng.normal(0, 1, (max(2, h // 40), max(2, w // 4))).astype(np.float32)
    grain = cv2.resize(cv2.GaussianBlur(small, (0, 0), 1.5), (w, h), interpolation=cv2.INTER_CUBIC)
    img = base[None, None, :] * (1 + 0.08 * grain[:, :, None])
    return np.clip(img, 0, 1).astype(np.float32)


def phone(reflect, skew_deg, keystone, long_sides, rng):
    """A phone photo of the page on a desk: perspective, lens scale, background.

    Returns (image, 3x3 transform master px -> image px, effective dpi)."""
    H, W = reflect.shape[:2]
    long_side = int(rng.choice(long_sides))
    out_h, out_w = long_side, int(long_side * rng.uniform(0.72, 0.78))
    # The page (turned by the skew) fills this share of the frame, so its edges stay visible.
    fill = rng.uniform(0.8, 0.93)
    c, s = abs(np.cos(np.deg2rad(skew_deg))), abs(np.sin(np.deg2rad(skew_deg)))
    k = min(out_w * fill / (W * c + H * s), out_h * fill / (W * s + H * c))
    cx, cy = out_w / 2 + rng.uniform(-0.04, 0.04) * out_w, out_h / 2 + rng.uniform(-0.03, 0.03) * out_h
    hw, hh = W * k / 2, H * k / 2
    # Keystone: the edge farther from the camera is shorter by `keystone` of its length.
    quad = np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]], np.float64)
    side = rng.integers(0, 4)
    if side == 0:  # top farther
        quad[[0, 1], 0] *= 1 - keystone
    elif side == 1:  # bottom farther
        quad[[2, 3], 0] *= 1 - keystone
    elif side == 2:  # left farther
        quad[[0, 3], 1] *= 1 - keystone
    else:
        quad[[1, 2], 1] *= 1 - keystone
    quad += rng.normal(0, 0.006 * min(hw, hh), quad.shape)
    a = np.deg2rad(skew_deg)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])  # counter-clockwise on screen
    quad = quad @ rot.T + [cx, cy]
    # Shrink to about the photo's scale first (lens and sensor average), then warp.
    small, pre = shrink(reflect, k)
    src = np.array([[0, 0], [W, 0], [W, H], [0, H]], np.float64)
    h = cv2.getPerspectiveTransform(src.astype(np.float32), quad.astype(np.float32)).astype(np.float64)
    h_small = h @ np.linalg.inv(pre)
    img = desk_background(rng, out_w, out_h)
    cv2.warpPerspective(small, h_small, (out_w, out_h), dst=img, flags=cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_TRANSPARENT)
    dpi = MASTER_DPI * k
    return img, h, dpi


def uneven_light(img, rng, shadow):
    """Light falling off across the frame, and optionally a soft shadow (a hand, the phone)."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    g = (np.cos(ang) * xx / w + np.sin(ang) * yy / h)
    g = (g - g.min()) / max(1e-6, np.ptp(g))
    light = 1.0 - rng.uniform(0.1, 0.35) * g
    if shadow:
        mask = np.zeros_like(light)
        pts = np.array([[rng.uniform(-0.2, 1.2) * w / 8, rng.uniform(-0.2, 1.2) * h / 8] for _ in range(4)], np.int32)
        cv2.fillConvexPoly(mask, cv2.convexHull(pts), 1.0)
        mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(4, 12))
        light *= 1.0 - rng.uniform(0.25, 0.5) * mask
    light = cv2.resize(light, (w, h), interpolation=cv2.INTER_LINEAR)
    return img * light[:, :, None]


def fold_line(reflect, rng):
    """A fold crease across the page (horizontal, the letter was folded in three)."""
    H, W = reflect.shape[:2]
    y = int(H * rng.choice([1 / 3, 2 / 3, 1 / 2]) + rng.normal(0, H * 0.01))
    tilt = rng.normal(0, 0.004) * W
    prof = np.zeros((41, W), np.float32)
    xs = np.arange(W)
    for dy in range(-20, 21):
        prof[dy + 20] = np.exp(-(dy / 2.5) ** 2) * 0.18 - np.exp(-((dy - 4) / 6.0) ** 2) * 0.05
    strength = rng.uniform(0.5, 1.2)
    for dy in range(-20, 21):
        ys = np.clip((y + dy + tilt * (xs / W - 0.5)).astype(int), 0, H - 1)
        reflect[ys, xs] *= (1.0 - strength * prof[dy + 20])[:, None]


def stain(reflect, rng):
    """A coffee ring or a smudge: a translucent brownish blot with a darker rim."""
    H, W = reflect.shape[:2]
    r = int(rng.uniform(0.03, 0.09) * W)
    cx, cy = int(rng.uniform(0.1, 0.9) * W), int(rng.uniform(0.1, 0.9) * H)
    x0, y0, x1, y1 = max(0, cx - 2 * r), max(0, cy - 2 * r), min(W, cx + 2 * r), min(H, cy + 2 * r)
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    e = rng.uniform(0.7, 1.3)
    d = np.sqrt(((xx - cx) / e) ** 2 + ((yy - cy) * e) ** 2) / r
    wobble = 1 + 0.05 * np.sin(np.arctan2(yy - cy, xx - cx) * rng.integers(3, 7))
    d = d * wobble
    ring = np.exp(-((d - 1) / 0.05) ** 2) * 0.5 + (d < 1) * 0.15
    ring = cv2.GaussianBlur(ring.astype(np.float32), (0, 0), 2)
    color = np.array([0.35, 0.55, 0.8], np.float32) * rng.uniform(0.3, 0.8)  # absorbs blue most
    reflect[y0:y1, x0:x1] *= 1.0 - ring[:, :, None] * color[None, None, :]


def finish(img, rng, defects, noise_sigma, blur_sigma, dark):
    """Sensor and optics: darkening, blur, noise. Returns float32 in [0, 1]."""
    if dark:
        gain, lift = rng.uniform(0.5, 0.75), rng.uniform(0.0, 0.08)
        img = img * gain + lift
        defects.append("dark")
    if blur_sigma > 0:
        img = cv2.GaussianBlur(img, (0, 0), blur_sigma)
        defects.append("blur")
    if noise_sigma > 0:
        noise = rng.standard_normal(img.shape[:2], dtype=np.float32) * np.float32(noise_sigma)
        img = img + (noise if img.ndim == 2 else noise[:, :, None])
        defects.append("noise")
    np.minimum(img, 1.0, out=img)
    np.maximum(img, 0.0, out=img)
    return img
