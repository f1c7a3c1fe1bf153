#!/usr/bin/python3
"""Seeded synthetic petition scans with their truth.json (CONTRACT format).

  scripts/gen_sheets.py --seed 1 --envelopes 10 --out DIR [--hands train|eval]
                        [--profile samples|eval|bench|clean]

Each envelope is what a volunteer mails back: the letter's page 1, the signature
sheet (page 2), sometimes blank pages, a second sheet, or the same sheet scanned
again. Pages are saved one file per page (PNG, JPEG) or as one multi-page file
(TIFF: group4 / tiff_lzw / jpeg / none; PDF). DIR/truth.json lists them in the
CONTRACT format; every page also carries a "_gen" object (ignored by the scorer)
telling what was done to it: see scripts/synth/scan.py for its conventions.
The same seed and arguments always give the same images and truth (byte-identical
files, except for padding bytes libtiff may leave uninitialised in LZW TIFFs).

Profiles: `clean` no defect at all; `bench` 300-DPI flatbed scans with light
defects; `eval` the realistic mix (phones, turns, 150-600 DPI, every defect);
`samples` a small mix whose files stay small (for samples/).
`--cases DIR` writes instead the golden single-page cases of tests/data/sheets.

Per page "_gen" (what was done; geometry describes the image as displayed):
  rotation      clockwise quarter turn (0/90/180/270) applied after the skew
  skew_deg      in-plane rotation of the upright page, counter-clockwise positive
  dpi           scan resolution (phone: pixels per inch at the page's centre scale)
  dpi_written   resolution in the file's metadata, null when left out (phones: 72)
  phone, keystone, mode (rgb | gray | bilevel), exif_orientation (phone JPEGs)
  defects       e.g. noise, blur, dark, jpeg_q23, bilevel, dithered, fold, stain,
                faint_lines, broken_lines, missing_line, perspective, uneven_light,
                bleed_through
  sheets only:  table_corners, data_corners (TL, TR, BR, BL of the table's outer
                frame and of its 9 rows, centre of the lines, in image pixels; for
                PDF at dpi_written), column_split, row_height_mm, line_px
                ([inner, outer] at 300 DPI), row_notes (per row: into_code,
                crosses_line, stray_dot, small, written:<code as written>),
                missing_row_line, family_of, page_size, print_scale
"""
import argparse
import dataclasses
import io
import json
import pathlib
import sys
import time

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from synth import layout, scan  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class Profile:
    """Probabilities of everything that can happen to an envelope or a page."""
    p_phone: float            # the envelope was photographed with a phone (per envelope)
    p_skew: float             # the page sits crooked on the glass
    skew_max: float           # degrees, usual crooked placement
    p_skew_large: float       # a badly placed page: up to LARGE_SKEW_MAX
    p_turn: float             # the page is turned a quarter, half or three quarters
    dpi_weights: dict         # scan resolution -> weight
    p_noise: float
    p_blur: float
    p_jpeg_artefacts: float   # heavy JPEG compression somewhere along the way
    p_bilevel: float          # a 1-bit scan (per envelope; TIFF ones use Group 4)
    p_gray: float             # a grayscale scan (else colour)
    p_fold: float             # the sheet was folded (a crease across it)
    p_stain: float
    p_faint_lines: float      # the table's ruling printed faint (low toner)
    p_broken_lines: float     # ruling lines with gaps
    p_dark: float             # a dark, low-contrast scan
    p_no_dpi: float           # the file carries no resolution metadata
    p_rescan: float           # the envelope holds a re-scan of one of its sheets
    p_family: float           # a second sheet signed by the same households
    p_bleed: float            # a blank page shows the other side's text through
    format_weights: dict      # png, jpg, tif, pdf -> weight
    tiff_compressions: tuple  # for non-1-bit TIFF envelopes
    noise_max: float          # noise standard deviation at most (0..1 reflectance)
    phone_long_sides: tuple = (2000, 2400, 2800)  # phone photo sizes, pixels
    jpeg_quality: tuple = (80, 95)                # ordinary JPEG saves (no visible artefacts)
    # Envelope i takes the i-th (format, variant) in turn instead of a random one, so a
    # small set still shows every format: variant is a TIFF compression, "bilevel" or "phone".
    format_cycle: tuple = ()


LARGE_SKEW_MAX = 15.0
# Phone photos: keystone (shorter far edge) up to this share of the edge's length.
KEYSTONE_MAX = 0.08
P_PHONE_SHADOW = 0.5
# Phone envelopes: share sent as JPEG photos (the rest as a PDF made by a scanning app).
P_PHONE_JPEG = 0.7
# Resolution a phone camera writes into its JPEG (EXIF/JFIF default), unrelated to the page.
PHONE_DPI_WRITTEN = 72
# Flatbed: share of scans that keep a few millimetres of (white or dark) scanner bed.
P_BED_MARGIN = 0.3
P_DARK_BED = 0.3

PROFILES = {
    "clean": Profile(p_phone=0, p_skew=0, skew_max=0, p_skew_large=0, p_turn=0, dpi_weights={300: 1},
                     p_noise=0, p_blur=0, p_jpeg_artefacts=0, p_bilevel=0, p_gray=0.5, p_fold=0, p_stain=0,
                     p_faint_lines=0, p_broken_lines=0, p_dark=0, p_no_dpi=0, p_rescan=0.1, p_family=0.1,
                     p_bleed=0, format_weights={"png": 3, "jpg": 1, "tif": 2, "pdf": 2},
                     tiff_compressions=("tiff_lzw", "none"), noise_max=0),
    "bench": Profile(p_phone=0, p_skew=0.8, skew_max=3, p_skew_large=0, p_turn=0.05, dpi_weights={300: 1},
                     p_noise=0.3, p_blur=0.2, p_jpeg_artefacts=0.05, p_bilevel=0.15, p_gray=0.6, p_fold=0.05,
                     p_stain=0.02, p_faint_lines=0.03, p_broken_lines=0.03, p_dark=0.03, p_no_dpi=0.05,
                     p_rescan=0.08, p_family=0.08, p_bleed=0.2, format_weights={"png": 3, "jpg": 2, "tif": 3, "pdf": 2},
                     tiff_compressions=("tiff_lzw", "jpeg"), noise_max=0.03),
    "eval": Profile(p_phone=0.12, p_skew=0.85, skew_max=10, p_skew_large=0.04, p_turn=0.15,
                    dpi_weights={150: 0.15, 200: 0.25, 300: 0.37, 400: 0.15, 600: 0.08},
                    p_noise=0.4, p_blur=0.25, p_jpeg_artefacts=0.15, p_bilevel=0.15, p_gray=0.5, p_fold=0.15,
                    p_stain=0.08, p_faint_lines=0.1, p_broken_lines=0.1, p_dark=0.08, p_no_dpi=0.15,
                    p_rescan=0.12, p_family=0.1, p_bleed=0.3, format_weights={"png": 3, "jpg": 3, "tif": 3, "pdf": 2},
                    tiff_compressions=("tiff_lzw", "jpeg", "none"), noise_max=0.06),
    "samples": Profile(p_phone=0.15, p_skew=0.8, skew_max=8, p_skew_large=0.05, p_turn=0.3,
                       dpi_weights={150: 0.6, 200: 0.4},
                       p_noise=0.2, p_blur=0.2, p_jpeg_artefacts=0.1, p_bilevel=0.2, p_gray=0.7, p_fold=0.15,
                       p_stain=0.1, p_faint_lines=0.1, p_broken_lines=0.1, p_dark=0.08, p_no_dpi=0.3,
                       p_rescan=0.25, p_family=0.15, p_bleed=0.3, format_weights={"png": 1, "jpg": 1, "tif": 1, "pdf": 1},
                       tiff_compressions=("tiff_lzw", "jpeg"), noise_max=0.015,
                       phone_long_sides=(1400, 1600), jpeg_quality=(70, 85),
                       format_cycle=(("png", None), ("tif", "group4"), ("jpg", None), ("pdf", None),
                                     ("jpg", "phone"), ("tif", "tiff_lzw"), ("png", "bilevel"),
                                     ("tif", "jpeg"), ("pdf", "phone"), ("jpg", None))),
}

# Envelope contents (page kinds in mailing order) and how often each occurs.
ENVELOPE_PLANS = [
    (("letter", "signatures"), 0.39),
    (("note", "letter", "signatures"), 0.03),  # a handwritten cover note (kind "letter")
    (("signatures",), 0.25),
    (("signatures", "blank"), 0.09),
    (("letter", "signatures", "signatures"), 0.10),
    (("letter", "signatures", "blank"), 0.05),
    (("signatures", "signatures"), 0.04),
    (("blank", "letter", "signatures"), 0.03),
    (("letter",), 0.02),
]
# JPEG quality of saves with visible artefacts.
JPEG_QUALITY_ARTEFACTS = (15, 40)
# Fixed PDF dates, so the same seed gives byte-identical files.
PDF_DATE = time.struct_time((2026, 1, 15, 12, 0, 0, 3, 15, 0))
# RGB -> grey luminance (ITU-R BT.601), as a 1 x 3 cv2.transform matrix.
GRAY_WEIGHTS = np.array([[0.299, 0.587, 0.114]], np.float32)
# 1-bit scans: share done in the scanner's halftone mode (ordered 8x8 Bayer dither)
# instead of a plain threshold.
P_BILEVEL_DITHER = 0.1
BAYER_8 = ((np.array([[0, 32, 8, 40, 2, 34, 10, 42], [48, 16, 56, 24, 50, 18, 58, 26],
                      [12, 44, 4, 36, 14, 46, 6, 38], [60, 28, 52, 20, 62, 30, 54, 22],
                      [3, 35, 11, 43, 1, 33, 9, 41], [51, 19, 59, 27, 49, 17, 57, 25],
                      [15, 47, 7, 39, 13, 45, 5, 37], [63, 31, 55, 23, 61, 29, 53, 21]]) + 0.5) / 64
           ).astype(np.float32)
# Phone JPEGs stored in sensor orientation with an EXIF Orientation tag (6 = turn 90°
# clockwise to display). `_gen` geometry always describes the image as displayed.
P_EXIF_TURNED = 0.3
EXIF_ORIENTATION_TAG = 0x0112
# 1-bit scans: threshold as a share of the paper's brightness.
BILEVEL_THRESHOLD = (0.55, 0.72)


def load_hands(split):
    """Hand-printed postal codes: training or held-out writers (scripts/synth/handwriting.py)."""
    from synth.handwriting import Hands
    return Hands(split, ROOT / ".cache")


def pick(rng, weights):
    keys = list(weights)
    p = np.array([weights[k] for k in keys], np.float64)
    return keys[rng.choice(len(keys), p=p / p.sum())]


def plan_envelope(rng, prof, index):
    """What the envelope holds and how it was digitised (shared by all its pages)."""
    kinds = list(ENVELOPE_PLANS[pick(rng, {i: w for i, (_, w) in enumerate(ENVELOPE_PLANS)})][0])
    env = {"phone": bool(rng.random() < prof.p_phone)}
    env["bilevel"] = (not env["phone"]) and bool(rng.random() < prof.p_bilevel)
    if env["phone"]:
        env["format"] = "jpg" if rng.random() < P_PHONE_JPEG else "pdf"
    else:
        env["format"] = pick(rng, prof.format_weights)
        if env["bilevel"] and env["format"] == "jpg":
            env["format"] = "png"
    env["tiff_compression"] = "group4" if env["bilevel"] else str(rng.choice(prof.tiff_compressions))
    if prof.format_cycle:
        fmt, variant = prof.format_cycle[(index - 1) % len(prof.format_cycle)]
        env["format"], env["phone"] = fmt, variant == "phone"
        env["bilevel"] = variant in ("bilevel", "group4")
        env["tiff_compression"] = variant if fmt == "tif" else None
    # Uncompressed TIFFs come from grey archive scanners (a colour one at 600 DPI would be 100 MB a page).
    env["gray"] = bool(rng.random() < prof.p_gray) or (env["format"] == "tif" and env["tiff_compression"] == "none")
    env["dpi"] = int(pick(rng, prof.dpi_weights))  # one resolution for a PDF's pages
    env["no_dpi"] = bool(rng.random() < prof.p_no_dpi)
    env["kinds"] = kinds
    sheets = [i for i, k in enumerate(kinds) if k == "signatures"]
    env["rescan_of"] = int(rng.choice(sheets)) if sheets and rng.random() < prof.p_rescan else None
    env["family"] = len(sheets) > 1 and bool(rng.random() < prof.p_family)
    return env


def draw_physical(kind, rng, prof, hands, shared_codes):
    """The paper page and the physical defects it carries (shared by its re-scans)."""
    defects = []
    if kind == "letter":
        page = layout.render_letter(rng)
    elif kind == "note":
        page = layout.render_note(rng)
    elif kind == "blank":
        bleed = bool(rng.random() < prof.p_bleed)
        page = layout.render_blank(rng, bleed)
        if bleed:
            defects.append("bleed_through")
    else:
        line_defects = {d for d, p in (("faint_lines", prof.p_faint_lines), ("broken_lines", prof.p_broken_lines))
                        if rng.random() < p}
        page = layout.render_sheet(rng, hands, line_defects, shared_codes)
        defects += sorted(line_defects) + (["missing_line"] if "missing_row_line" in page.info else [])
    if rng.random() < prof.p_fold:
        scan.fold_line(page.reflect, rng)
        defects.append("fold")
    if rng.random() < prof.p_stain:
        scan.stain(page.reflect, rng)
        defects.append("stain")
    page.info["physical_defects"] = defects
    return page


def scan_page(page, env, rng, prof, force=None):
    """One scan (or photo) of a physical page: returns (PIL image, _gen dict).

    `force` may fix "skew", "rotation", "keystone" (test cases)."""
    force = force or {}
    defects = list(page.info["physical_defects"])
    skew = 0.0
    if rng.random() < prof.p_skew:
        limit = LARGE_SKEW_MAX if rng.random() < prof.p_skew_large else prof.skew_max
        skew = float(rng.uniform(-limit, limit))
    rotation = int(rng.choice([90, 180, 270])) if rng.random() < prof.p_turn else 0
    skew, rotation = force.get("skew", skew), force.get("rotation", rotation)
    if env["phone"]:
        keystone = force.get("keystone", float(rng.uniform(0.0, KEYSTONE_MAX)))
        img, h, dpi = scan.phone(page.reflect, skew, keystone, prof.phone_long_sides, rng)
        img = scan.uneven_light(img, rng, rng.random() < P_PHONE_SHADOW)
        defects += ["perspective", "uneven_light"]
        noise = rng.uniform(0.005, max(0.006, prof.noise_max))
        blur = float(rng.uniform(0.3, 1.0)) if rng.random() < 0.5 else 0.0
        dark = False
    else:
        dpi = env["dpi"] if env["format"] == "pdf" or "dpi" in force else int(pick(rng, prof.dpi_weights))
        src = page.reflect
        if env["bilevel"] or env["gray"]:  # a grey scanner: one channel from here on
            src = cv2.transform(src, GRAY_WEIGHTS)
        margin = float(rng.uniform(1, 5)) if rng.random() < P_BED_MARGIN else 0.0
        bed = [0.15, 0.15, 0.15] if rng.random() < P_DARK_BED else [0.97, 0.97, 0.96]
        img, h = scan.scanner(src, dpi, skew, bed, margin, rng)
        keystone = 0.0
        noise = float(rng.uniform(0.005, prof.noise_max)) if rng.random() < prof.p_noise and prof.noise_max else 0.0
        blur = float(rng.uniform(0.4, 1.3) * dpi / 300) if rng.random() < prof.p_blur else 0.0
        dark = bool(rng.random() < prof.p_dark)
    img = scan.finish(img, rng, defects, noise, blur, dark)
    img, turn = scan.turn(img, rotation)
    h = turn @ h

    mode = "rgb" if env["phone"] else "bilevel" if env["bilevel"] else "gray" if env["gray"] else "rgb"
    if mode == "rgb":
        pil = Image.fromarray(cv2.convertScaleAbs(img, alpha=255.0), "RGB")
    else:
        gray = img if img.ndim == 2 else cv2.transform(img, GRAY_WEIGHTS)
        gray = cv2.convertScaleAbs(gray, alpha=255.0)
        if mode == "bilevel":
            paper = np.percentile(gray[::7, ::7], 90)
            if rng.random() < P_BILEVEL_DITHER:  # the scanner's "halftone" mode
                level = np.minimum(gray.astype(np.float32) / max(1.0, paper), 1.0)
                h_, w_ = gray.shape
                bayer = np.tile(BAYER_8, (h_ // 8 + 1, w_ // 8 + 1))[:h_, :w_]
                pil = Image.fromarray(level > bayer).convert("1")
                defects.append("dithered")
            else:
                t = paper * rng.uniform(*BILEVEL_THRESHOLD)
                pil = Image.fromarray(gray > t).convert("1")
            defects.append("bilevel")
        else:
            pil = Image.fromarray(gray, "L")
    if rng.random() < prof.p_jpeg_artefacts and mode != "bilevel":
        q = int(rng.integers(*JPEG_QUALITY_ARTEFACTS))
        buf = io.BytesIO()
        pil.save(buf, "JPEG", quality=q)
        pil = Image.open(io.BytesIO(buf.getvalue()))
        pil.load()
        defects.append(f"jpeg_q{q}")

    exif = None
    if env["phone"] and env["format"] == "jpg" and rng.random() < P_EXIF_TURNED:
        # Stored as the sensor saw it (a quarter turn counter-clockwise of what is
        # shown), with EXIF Orientation 6 telling viewers to turn it back.
        pil = pil.transpose(Image.Transpose.ROTATE_90)
        exif = 6
    gen = {"rotation": rotation, "skew_deg": round(skew, 3), "dpi": int(round(dpi)), "phone": env["phone"],
           "keystone": round(keystone, 4), "mode": mode, "defects": defects}
    if exif:
        gen["exif_orientation"] = exif
    for name, pts in page.corners.items():
        gen[f"{name}_corners"] = [[round(float(x), 1), round(float(y), 1)] for x, y in scan.apply_h(h, pts)]
    gen.update({k: v for k, v in page.info.items() if k != "physical_defects"})
    return pil, gen


def save_envelope(out, env_id, env, images, rng, prof):
    """Writes the envelope's pages; returns (file names, format, dpi written per page)."""
    fmt = env["format"]
    # Phones write 72 DPI (or nothing) whatever the distance; scanners their true resolution.
    dpis = [None if env["no_dpi"] else PHONE_DPI_WRITTEN if g["phone"] else g["dpi"] for _, g in images]
    meta = lambda d: {} if d is None else {"dpi": (d, d)}  # noqa: E731
    if fmt in ("png", "jpg"):
        files = []
        for i, ((pil, gen), d) in enumerate(zip(images, dpis), start=1):
            name = f"{env_id}.{fmt}" if len(images) == 1 else f"{env_id}_p{i}.{fmt}"
            if fmt == "png":
                pil.save(out / name, "PNG", optimize=False, compress_level=6, **meta(d))
            else:
                q = int(rng.integers(*prof.jpeg_quality))
                extra = {}
                if gen.get("exif_orientation"):
                    tags = Image.Exif()
                    tags[EXIF_ORIENTATION_TAG] = gen["exif_orientation"]
                    extra["exif"] = tags.tobytes()
                pil.save(out / name, "JPEG", quality=q, **meta(d), **extra)
            files.append(name)
        return files, fmt, dpis
    name = f"{env_id}.{fmt if fmt == 'pdf' else 'tif'}"
    pils = [p for p, _ in images]
    if fmt == "tif":
        comp = env["tiff_compression"]
        if comp == "jpeg":
            pils = [p.convert("RGB") if p.mode not in ("RGB", "L") else p for p in pils]
        # Pillow writes one resolution for all frames of a multi-page TIFF.
        d = dpis[0]
        dpis = [d] * len(pils)
        kw = dict(save_all=True, append_images=pils[1:], compression=comp if comp != "none" else None, **meta(d))
        if comp == "jpeg":
            kw["quality"] = int(rng.integers(*prof.jpeg_quality))
        if comp == "group4":
            pils = [p if p.mode == "1" else p.convert("1") for p in pils]
            kw["append_images"] = pils[1:]
        pils[0].save(out / name, "TIFF", **kw)
        return [name], "tif", dpis
    # PDF: one resolution for the document (a scanner envelope's pages share it; a phone
    # envelope takes its first photo's page resolution). Render at it to get the image pixels.
    d = images[0][1]["dpi"]
    pils[0].save(out / name, "PDF", save_all=True, append_images=pils[1:], resolution=float(d),
                 creationDate=PDF_DATE, modDate=PDF_DATE)
    return [name], "pdf", [d] * len(pils)


def make_envelope(out, seed, index, prof, hands):
    env_id = f"env{index:04d}"
    rng = np.random.default_rng([seed, index, 0])
    env = plan_envelope(rng, prof, index)
    physical, truth_pages, images = [], [], []
    shared = None
    for p, kind in enumerate(env["kinds"]):
        prng = np.random.default_rng([seed, index, p + 1, 1])
        page = draw_physical(kind, prng, prof, hands, shared if env["family"] else None)
        if kind == "signatures" and shared is None:
            shared = [r["postal_code"] for r in page.rows if r["postal_code"]]
        physical.append(page)
    order = list(range(len(physical)))
    if env["rescan_of"] is not None:
        order.append(env["rescan_of"])
    for p, src in enumerate(order):
        page = physical[src]
        pil, gen = scan_page(page, env, np.random.default_rng([seed, index, p + 1, 2]), prof)
        truth = {"kind": page.kind, "duplicate_of": src if p != src else None, "rows": page.rows}
        if env["family"] and page.kind == "signatures" and src != env["kinds"].index("signatures"):
            gen["family_of"] = env["kinds"].index("signatures")
        truth_pages.append((truth, gen))
        images.append((pil, gen))
    files, fmt, dpis = save_envelope(out, env_id, env, images, rng, prof)
    pages = []
    for (truth, gen), d in zip(truth_pages, dpis):
        gen["dpi_written"] = d
        if fmt == "tif":
            gen["tiff_compression"] = env["tiff_compression"]
        pages.append(dict(truth, _gen=gen))
    return {"id": env_id, "files": files, "format": fmt, "pages": pages}


# Golden single-page cases for tests/data/sheets (`--cases DIR`): the profile, its
# changes, the envelope's format, forced scan geometry, and what the drawn sheet must
# show (seeds are tried in turn until one does).
def _notes(page):
    return [n for row in page.info.get("row_notes", []) for n in row]


CASES = {
    "upright_clean": ("clean", {}, {"format": "png", "gray": True, "dpi": 150},
                      {"skew": 0.0, "rotation": 0, "dpi": 150},
                      lambda p: 4 <= sum(r["signed"] for r in p.rows) < 9),
    "turned_skewed_1bit": ("eval", {"p_noise": 0, "p_fold": 0, "p_stain": 0, "p_faint_lines": 0, "p_jpeg_artefacts": 0},
                           {"format": "tif", "tiff_compression": "group4", "bilevel": True, "gray": True, "dpi": 150},
                           {"skew": -12.5, "rotation": 90, "dpi": 150},
                           lambda p: sum(r["signed"] for r in p.rows) == 9),
    "phone_keystone": ("eval", {"p_stain": 0, "phone_long_sides": (1000,), "jpeg_quality": (70, 71)},
                       {"format": "jpg", "phone": True, "bilevel": False},
                       {"skew": 4.0, "rotation": 0, "keystone": 0.08},
                       lambda p: 0 < sum(r["signed"] for r in p.rows) < 9),
    "faint_broken_fold_overflow": ("eval", {"p_faint_lines": 1, "p_broken_lines": 1, "p_fold": 1, "p_stain": 0,
                                            "p_noise": 0, "p_jpeg_artefacts": 0, "p_blur": 0, "p_dark": 0},
                                   {"format": "png", "gray": True, "bilevel": False, "dpi": 150},
                                   {"skew": 1.5, "rotation": 0, "dpi": 150},
                                   lambda p: {"into_code", "crosses_line"} <= set(_notes(p))
                                   and "missing_row_line" in p.info
                                   and any(r["signed"] != bool(r["postal_code"]) for r in p.rows)),
}
MAX_CASE_SEEDS = 500


def make_case(out, name, hands):
    """One single-page envelope showing the case; returns its truth envelope."""
    prof_name, changes, env_fix, force, accept = CASES[name]
    prof = dataclasses.replace(PROFILES[prof_name], format_cycle=(), **changes)
    first = 1000 * (list(CASES).index(name) + 1)  # each case draws its own sheets
    for seed in range(first, first + MAX_CASE_SEEDS):
        rng = np.random.default_rng([seed, 0])
        env = dict(plan_envelope(rng, prof, 1), kinds=["signatures"], rescan_of=None, family=False, no_dpi=False)
        env.update(env_fix)
        page = draw_physical("signatures", np.random.default_rng([seed, 1]), prof, hands, None)
        if accept(page):
            break
    else:
        raise SystemExit(f"gen_sheets: no seed in {first}..{first + MAX_CASE_SEEDS - 1} draws case {name}")
    pil, gen = scan_page(page, env, np.random.default_rng([seed, 2]), prof, force)
    gen["case_seed"] = seed
    files, fmt, dpis = save_envelope(out, name, env, [(pil, gen)], rng, prof)
    gen["dpi_written"] = dpis[0]
    if fmt == "tif":
        gen["tiff_compression"] = env["tiff_compression"]
    return {"id": name, "files": files, "format": fmt,
            "pages": [{"kind": page.kind, "duplicate_of": None, "rows": page.rows, "_gen": gen}]}


def write_cases(out, hands_split):
    hands = load_hands(hands_split)
    for name in CASES:
        d = out / name
        d.mkdir(parents=True, exist_ok=True)
        env = make_case(d, name, hands)
        truth = {"generator": {"script": "scripts/gen_sheets.py", "cases": name, "hands": hands_split},
                 "envelopes": [env]}
        (d / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n")
        size = sum(f.stat().st_size for f in d.iterdir())
        print(f"gen_sheets: case {name} (seed {env['pages'][0]['_gen']['case_seed']}), {size // 1024} KiB", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--envelopes", type=int)
    ap.add_argument("--out", type=pathlib.Path)
    ap.add_argument("--cases", type=pathlib.Path, metavar="DIR",
                    help="write the golden single-page cases (one folder each) into DIR instead")
    ap.add_argument("--hands", choices=["train", "calib", "eval"], default="eval",
                    help="training or held-out handwriting for the postal codes (default eval)")
    ap.add_argument("--profile", choices=sorted(PROFILES), default="eval")
    ap.add_argument("--first", type=int, default=1, help="number of the first envelope (default 1)")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    if args.cases:
        write_cases(args.cases, args.hands)
        return
    if args.seed is None or args.envelopes is None or args.out is None:
        ap.error("--seed, --envelopes and --out are required (or --cases DIR)")
    args.out.mkdir(parents=True, exist_ok=True)
    prof = PROFILES[args.profile]
    hands = load_hands(args.hands)
    t0 = time.monotonic()
    envelopes, pages = [], 0
    for i in range(args.first, args.first + args.envelopes):
        envelopes.append(make_envelope(args.out, args.seed, i, prof, hands))
        pages += len(envelopes[-1]["pages"])
    truth = {"generator": {"script": "scripts/gen_sheets.py", "seed": args.seed, "profile": args.profile,
                           "hands": args.hands, "envelopes": args.envelopes, "first": args.first},
             "envelopes": envelopes}
    (args.out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n")
    print(f"gen_sheets: {len(envelopes)} envelopes, {pages} pages in {time.monotonic() - t0:.1f} s -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
