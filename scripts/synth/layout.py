"""The printed pages as physical paper: the letter's page 1, the signature sheet
(page 2) with its handwriting, and blank pages.

Everything is drawn at MASTER_DPI into a float32 RGB reflectance image (1 = white
paper, 0 = black). Each page is a pure function of its rng, so drawing a page again
from the same seed gives the same physical sheet (used for re-scans).
Geometry given back (table corners) is in master pixels.
"""
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import postal, text_fr
from .signature import signature

MASTER_DPI = 300
MM = MASTER_DPI / 25.4  # master pixels per millimetre
PT_MM = 25.4 / 72       # millimetres per typographic point
LINE_SPACING = (1.3, 1.6)  # line pitch as a multiple of the font size
PAGE_SIZES_MM = {"letter": (215.9, 279.4), "a4": (210.0, 297.0)}
FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
FONTS = {"serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
         "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")}

# Printing: the page is printed at this share of its size (printer "fit to page").
PRINT_SCALE_RANGE = (0.90, 1.00)
# Table ruling width at 300 DPI, in pixels (thin laser line to thick marker-like line).
LINE_PX_RANGE = (1, 6)
# A sheet with broken ruling misses one whole line between two rows this often.
P_MISSING_LINE = 0.3
# Column split: signature column share of the table width.
SPLIT_RANGE = (0.50, 0.75)
# Row height of the 9 data rows, millimetres (limited further by the room on the page).
ROW_MM_RANGE = (11.0, 19.0)
# Low toner: the ruling prints with this share of full ink (may vanish in a 1-bit scan).
FAINT_LINE_INK = (0.35, 0.6)
# Ink colour of the printer and of the pens (RGB reflectance of a full-ink stroke).
PRINT_RGB = np.array([0.07, 0.07, 0.08], np.float32)
PEN_RGB = {"blue": np.array([0.12, 0.22, 0.62], np.float32),
           "black": np.array([0.10, 0.10, 0.13], np.float32)}
P_BLUE_PEN = 0.55
# Pen pressure: how much of the full ink colour a stroke reaches.
PRESSURE_RANGE = (0.55, 1.0)

# Filling of a sheet.
P_EMPTY_SHEET = 0.04
P_FULL_SHEET = 0.45
P_ROW_GAP = 0.08           # a filled sheet skips a row now and then
P_SIGNATURE_ONLY = 0.06    # a signer forgets the postal code
P_CODE_ONLY = 0.05         # a code without a signature
P_HOUSEHOLD = 0.15         # the next row repeats this row's code (same household)
P_SIG_INTO_CODE = 0.08     # a signature runs on into the code column
P_SIG_CROSSES_LINE = 0.10  # a signature crosses a row line
P_STRAY_DOT = 0.06         # an empty row receives a stray pen dot (not a signature)
P_SMALL_SIGNATURE = 0.05   # a tiny signature or initials (still a signature)
P_HEADER_SHADE = 0.2       # the header row is printed on a light grey band


@dataclass
class Physical:
    """One physical sheet of paper, drawn at MASTER_DPI."""
    kind: str                       # "signatures", "letter", "blank"
    reflect: np.ndarray             # H x W x 3 float32 reflectance
    rows: list = field(default_factory=list)       # 9 truth rows for a sheet
    corners: dict = field(default_factory=dict)    # name -> 4 x 2 master px (TL, TR, BR, BL)
    info: dict = field(default_factory=dict)       # layout facts for truth "_gen"


class Printer:
    """Maps millimetres on the designed page to master pixels, printed at `scale`."""

    def __init__(self, size, scale):
        self.size = size
        self.w_mm, self.h_mm = PAGE_SIZES_MM[size]
        self.W, self.H = int(round(self.w_mm * MM)), int(round(self.h_mm * MM))
        self.scale = scale
        self.canvas = Image.new("L", (self.W, self.H), 0)
        self.draw = ImageDraw.Draw(self.canvas)
        self._fonts = {}

    def px(self, x_mm, y_mm):
        cx, cy = self.W / 2, self.H / 2
        return cx + (x_mm * MM - cx) * self.scale, cy + (y_mm * MM - cy) * self.scale

    def font(self, family, pt, bold=False):
        size = max(6, int(round(pt / 72 * MASTER_DPI * self.scale)))
        key = (family, size, bold)
        if key not in self._fonts:
            self._fonts[key] = ImageFont.truetype(FONT_DIR + FONTS[family][bold], size)
        return self._fonts[key]

    def text(self, x_mm, y_mm, s, font, level=255):
        self.draw.text(self.px(x_mm, y_mm), s, font=font, fill=level)

    def paragraph(self, x_mm, y_mm, width_mm, s, font, line_mm):
        """Left-aligned wrapped text; returns the y below it (mm)."""
        limit = width_mm * MM * self.scale
        line = ""
        for word in s.split():
            trial = f"{line} {word}".strip()
            if font.getlength(trial) > limit and line:
                self.text(x_mm, y_mm, line, font)
                y_mm += line_mm
                line = word
            else:
                line = trial
        if line:
            self.text(x_mm, y_mm, line, font)
            y_mm += line_mm
        return y_mm

    def hline(self, x0, x1, y, width_px, level, gaps):
        self._rule(self.px(x0, y), self.px(x1, y), width_px, level, gaps, horizontal=True)

    def vline(self, x, y0, y1, width_px, level, gaps):
        self._rule(self.px(x, y0), self.px(x, y1), width_px, level, gaps, horizontal=False)

    def _rule(self, a, b, width_px, level, gaps, horizontal):
        """A ruling line `width_px` thick centred on a-b; `gaps` are (t0, t1) spans left out."""
        w = max(1.0, width_px * self.scale)
        pieces, t = [], 0.0
        for g0, g1 in sorted(gaps):
            pieces.append((t, g0))
            t = g1
        pieces.append((t, 1.0))
        for t0, t1 in pieces:
            if t1 <= t0:
                continue
            if horizontal:
                x0, x1 = a[0] + (b[0] - a[0]) * t0, a[0] + (b[0] - a[0]) * t1
                box = [x0 - w / 2, a[1] - w / 2, x1 + w / 2, a[1] + w / 2]
            else:
                y0, y1 = a[1] + (b[1] - a[1]) * t0, a[1] + (b[1] - a[1]) * t1
                box = [a[0] - w / 2, y0 - w / 2, a[0] + w / 2, y1 + w / 2]
            box = [int(round(v)) for v in box]
            box[2], box[3] = max(box[2] - 1, box[0]), max(box[3] - 1, box[1])
            self.draw.rectangle(box, fill=level)

    def reflectance(self, rng):
        """Paper colour times printed ink, as float32 H x W x 3."""
        paper = np.array([1.0, 1.0, 1.0], np.float32) - rng.uniform(0.0, 0.05, 3).astype(np.float32) * [0.6, 0.8, 1.0]
        # A 256-entry table from printed ink level to RGB reflectance (cv2.LUT is fast).
        level = np.arange(256, dtype=np.float32)[:, None] / 255.0
        lut = (paper[None, :] * (1.0 - level * (1.0 - PRINT_RGB)[None, :])).astype(np.float32)
        a = np.asarray(self.canvas)
        return cv2.LUT(cv2.merge([a, a, a]), lut.reshape(1, 256, 3))


def stamp(reflect, ink, x, y, rgb, pressure):
    """Multiplies pen ink (float map 0..1) into `reflect` with its top-left at (x, y) px."""
    h, w = ink.shape
    x, y = int(round(x)), int(round(y))
    H, W = reflect.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    a = ink[y0 - y:y1 - y, x0 - x:x1 - x, None] * pressure
    reflect[y0:y1, x0:x1] *= 1.0 - a * (1.0 - rgb)[None, None, :]


def _design(rng):
    size = "letter" if rng.random() < 0.5 else "a4"
    return dict(size=size, scale=float(rng.uniform(*PRINT_SCALE_RANGE)),
                family="serif" if rng.random() < 0.5 else "sans",
                pt=float(rng.uniform(10.0, 12.0)),
                left=float(rng.uniform(18, 32)), right=float(rng.uniform(18, 30)),
                top=float(rng.uniform(15, 32)))


def _printed_page(rng):
    """A fresh page design: (design, printer, body font, line pitch mm, text width mm)."""
    d = _design(rng)
    p = Printer(d["size"], d["scale"])
    f = p.font(d["family"], d["pt"])
    line_mm = d["pt"] * PT_MM * rng.uniform(*LINE_SPACING)
    return d, p, f, line_mm, p.w_mm - d["left"] - d["right"]


def render_letter(rng):
    """Page 1 of the letter: place and date, salutation, French paragraphs, no table."""
    d, p, f, line_mm, width = _printed_page(rng)
    y = d["top"]
    date = f"{rng.choice(text_fr.CITIES)}, le {rng.integers(1, 29)} {rng.choice(text_fr.MONTHS)} 2026"
    p.text(p.w_mm - d["right"] - f.getlength(date) / MM / p.scale, y, date, f)
    y += 3 * line_mm
    for s in ["Monsieur le Premier ministre", "Cabinet du premier ministre",
              "835, boulevard René-Lévesque Est", "Québec (Québec)  G1A 1B4"]:
        p.text(d["left"], y, s, f)
        y += line_mm
    y += 2 * line_mm
    p.text(d["left"], y, "Objet : Maintien des services publics en région", p.font(d["family"], d["pt"], True))
    y += 2 * line_mm
    p.text(d["left"], y, text_fr.SALUTATION, f)
    y += 1.8 * line_mm
    order = rng.permutation(len(text_fr.PARAGRAPHS))
    for i in order[:rng.integers(4, 7)]:
        if y > p.h_mm - 40:
            break
        y = p.paragraph(d["left"], y, width, text_fr.PARAGRAPHS[i], f, line_mm) + 0.8 * line_mm
    if y < p.h_mm - 40:
        p.paragraph(d["left"], y, width, str(rng.choice(text_fr.CLOSINGS)), f, line_mm)
    p.text(p.w_mm / 2 - 3, p.h_mm - 15, "1/2", p.font(d["family"], d["pt"] * 0.8))
    return Physical("letter", p.reflectance(rng), info={"page_size": d["size"], "print_scale": round(d["scale"], 3)})


def render_note(rng):
    """A handwritten cover note on a blank page (no table): kind "letter" in the truth."""
    d = _design(rng)
    W, H = (int(round(v * MM)) for v in PAGE_SIZES_MM[d["size"]])
    paper = np.float32(1.0 - rng.uniform(0.0, 0.05))
    reflect = np.full((H, W, 3), paper, np.float32)
    pen = PEN_RGB["blue" if rng.random() < P_BLUE_PEN else "black"]
    line_h = rng.uniform(7, 11) * MM
    x, y = rng.uniform(18, 35) * MM, rng.uniform(20, 60) * MM
    font = [cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX][rng.integers(0, 2)]
    thick = int(rng.integers(2, 5))
    pressure = rng.uniform(*PRESSURE_RANGE)  # one writer, one pen
    lines = [text_fr.NOTE_LINES[i] for i in rng.permutation(len(text_fr.NOTE_LINES))[:rng.integers(3, 7)]]
    for text in lines:
        (tw, th), bl = cv2.getTextSize(text, font, 1.0, 1)
        scale = line_h * 0.55 / th
        (tw, th), bl = cv2.getTextSize(text, font, scale, thick)
        ink = np.zeros((th + bl + 2 * thick, tw + 2 * thick), np.uint8)
        cv2.putText(ink, text, (thick, th + thick), font, scale, 255, thick, cv2.LINE_AA)
        stamp(reflect, ink.astype(np.float32) / 255.0, x + rng.normal(0, 2 * MM), y, pen, pressure)
        y += line_h
    sig = signature(rng, rng.uniform(40, 70) * MM, rng.uniform(12, 18) * MM, rng.uniform(0.35, 0.7) * MM)
    stamp(reflect, sig, x + rng.uniform(0, 60) * MM, y + 0.5 * line_h, pen, pressure)
    return Physical("letter", reflect, info={"page_size": d["size"], "note": True})


def render_blank(rng, bleed_through):
    """A blank page, optionally with the faint mirrored text of the other side."""
    d = _design(rng)
    W, H = (int(round(v * MM)) for v in PAGE_SIZES_MM[d["size"]])
    paper = np.float32(1.0 - rng.uniform(0.0, 0.05))
    reflect = np.full((H, W, 3), paper, np.float32)
    if bleed_through:
        other = render_letter(rng).reflect
        other = cv2.resize(other, (W, H))[:, ::-1]
        other = cv2.GaussianBlur(other, (0, 0), 2.0)
        strength = rng.uniform(0.06, 0.18)
        reflect *= 1.0 - strength * (1.0 - other)
    return Physical("blank", reflect, info={"page_size": d["size"], "bleed_through": bool(bleed_through)})


def _fill_plan(rng, shared_codes):
    """Truth rows: which rows are signed and which carry a code."""
    u = rng.random()
    if u < P_EMPTY_SHEET:
        n = 0
    elif u < P_EMPTY_SHEET + P_FULL_SHEET:
        n = 9
    else:
        n = int(rng.integers(1, 9))
    rows = [{"signed": False, "postal_code": None} for _ in range(9)]
    slots = list(range(9))
    if n < 9 and rng.random() < P_ROW_GAP:
        slots = sorted(rng.choice(9, size=n, replace=False).tolist())
    previous = None
    for i in slots[:n]:
        v = rng.random()
        signed = v >= P_CODE_ONLY
        has_code = v < 1.0 - P_SIGNATURE_ONLY
        code = None
        if has_code:
            if previous and rng.random() < P_HOUSEHOLD:
                code = previous
            elif shared_codes and rng.random() < 0.5:
                code = str(rng.choice(shared_codes))
            else:
                code = postal.random_code(rng)
        rows[i] = {"signed": bool(signed), "postal_code": code}
        previous = code
    return rows


def render_sheet(rng, hands, line_defects, shared_codes=None):
    """Page 2: end of the letter, the ruled table with 9 filled or empty rows, the copy list.

    `line_defects` is a set among {"faint_lines", "broken_lines"}; `shared_codes` are
    codes of another sheet of the same family (the same households sign again)."""
    d, p, f, line_mm, width = _printed_page(rng)
    y = d["top"]
    for s in rng.permutation(text_fr.PAGE2_LEADS)[:rng.integers(1, 3)]:
        y = p.paragraph(d["left"], y, width, str(s), f, line_mm) + 0.6 * line_mm
    y = p.paragraph(d["left"], y, width, str(rng.choice(text_fr.CLOSINGS)), f, line_mm)
    y += rng.uniform(4, 12)

    # Table geometry (mm on the designed page).
    indent_l = rng.uniform(0, 12)
    indent_r = rng.uniform(0, 12)
    x0, x1 = d["left"] + indent_l, p.w_mm - d["right"] - indent_r
    split = float(rng.uniform(*SPLIT_RANGE))
    xs = x0 + split * (x1 - x0)
    header_mm = rng.uniform(7, 12)
    room = p.h_mm - 18 - y - header_mm - 32  # keep room for the copy list
    row_mm = float(min(rng.uniform(*ROW_MM_RANGE), room / 9))
    y_top, y_head = y, y + header_mm
    y_bottom = y_head + 9 * row_mm
    inner_px = int(rng.integers(LINE_PX_RANGE[0], LINE_PX_RANGE[1] + 1))
    outer_px = int(rng.integers(inner_px, LINE_PX_RANGE[1] + 1)) if rng.random() < 0.5 else inner_px
    faint = "faint_lines" in line_defects
    level = int(255 * rng.uniform(*FAINT_LINE_INK)) if faint else 255
    broken = "broken_lines" in line_defects

    def gaps():
        if not broken or rng.random() < 0.5:
            return []
        out = []
        for _ in range(rng.integers(1, 4)):
            t = rng.uniform(0.0, 0.95)
            out.append((t, t + rng.uniform(0.01, 0.06)))
        return out

    # Header (sometimes shaded), its text, then the ruling.
    if rng.random() < P_HEADER_SHADE:
        level_shade = int(255 * rng.uniform(0.08, 0.2))
        p.draw.rectangle([*map(round, p.px(x0, y_top)), *map(round, p.px(x1, y_top + header_mm))], fill=level_shade)
    hfont = p.font(d["family"], d["pt"] * rng.uniform(1.0, 1.15), rng.random() < 0.6)
    left_title, right_title = text_fr.TABLE_HEADERS[rng.integers(0, len(text_fr.TABLE_HEADERS))]
    ty = y_top + (header_mm - d["pt"] * PT_MM * 1.2) / 2
    for title, a, b in ((left_title, x0, xs), (right_title, xs, x1)):
        tw = hfont.getlength(title) / MM / p.scale
        tx = (a + b) / 2 - tw / 2 if rng.random() < 0.7 else a + 2.5
        p.text(tx, ty, title, hfont)
    missing = int(rng.integers(1, 9)) if broken and rng.random() < P_MISSING_LINE else None
    for yy, wpx in [(y_top, outer_px), (y_head, inner_px)] + [(y_head + i * row_mm, inner_px) for i in range(1, 9)] + [(y_bottom, outer_px)]:
        if missing is not None and abs(yy - (y_head + missing * row_mm)) < 1e-6:
            continue
        p.hline(x0, x1, yy, wpx, level, gaps())
    p.vline(x0, y_top, y_bottom, outer_px, level, gaps())
    p.vline(x1, y_top, y_bottom, outer_px, level, gaps())
    p.vline(xs, y_top, y_bottom, inner_px, level, gaps())

    # Copy list under the table.
    y = y_bottom + rng.uniform(6, 12)
    p.text(d["left"], y, text_fr.COPY_TITLE, p.font(d["family"], d["pt"], rng.random() < 0.5))
    y += line_mm * 1.3
    for i in rng.permutation(len(text_fr.COPY_NAMES))[:rng.integers(2, 5)]:
        if y > p.h_mm - 14:
            break
        p.text(d["left"] + 6, y, text_fr.COPY_NAMES[i], f)
        y += line_mm
    p.text(p.w_mm / 2 - 3, p.h_mm - 12, "2/2", p.font(d["family"], d["pt"] * 0.8))

    reflect = p.reflectance(rng)
    rows = _fill_plan(rng, shared_codes or [])
    notes = _write_rows(rng, p, reflect, rows, hands, (x0, xs, x1), y_head, row_mm)

    corner = lambda x, yy: p.px(x, yy)  # noqa: E731
    table = np.array([corner(x0, y_top), corner(x1, y_top), corner(x1, y_bottom), corner(x0, y_bottom)])
    data = np.array([corner(x0, y_head), corner(x1, y_head), corner(x1, y_bottom), corner(x0, y_bottom)])
    info = {"page_size": d["size"], "print_scale": round(d["scale"], 3), "column_split": round(split, 3),
            "row_height_mm": round(row_mm * d["scale"], 2), "line_px": [inner_px, outer_px], "row_notes": notes}
    if missing is not None:
        info["missing_row_line"] = missing  # the line between rows `missing` and `missing + 1` is not printed
    return Physical("signatures", reflect, rows, {"table": table, "data": data}, info)


def _write_rows(rng, p, reflect, rows, hands, xcols, y_head, row_mm):
    """Signatures and hand-printed codes into the rows, each signer with their own pen.

    Returns per row the hard cases drawn there ("into_code", "crosses_line",
    "stray_dot", and "written:<text>" for the code as written)."""
    x0, xs, x1 = xcols
    s = p.scale
    notes = [[] for _ in rows]
    for i, row in enumerate(rows):
        ya = y_head + i * row_mm
        pen = PEN_RGB["blue" if rng.random() < P_BLUE_PEN else "black"]
        pressure = rng.uniform(*PRESSURE_RANGE)
        stroke = rng.uniform(0.35, 0.7) * MM * s  # ballpoint to felt pen, pixels
        if row["signed"]:
            w_mm = (xs - x0) * rng.uniform(0.45, 0.92)
            h_mm = row_mm * rng.uniform(0.75, 1.25)
            if rng.random() < P_SMALL_SIGNATURE:
                w_mm, h_mm = (xs - x0) * rng.uniform(0.12, 0.25), row_mm * rng.uniform(0.4, 0.7)
                notes[i].append("small")
            if rng.random() < P_SIG_INTO_CODE:
                w_mm = (xs - x0) * rng.uniform(0.8, 0.95) + (x1 - xs) * rng.uniform(0.15, 0.4)
                notes[i].append("into_code")
            sx = x0 + rng.uniform(1, max(1.5, xs - x0 - w_mm))
            sy = ya + (row_mm - h_mm) / 2 + rng.normal(0, row_mm * 0.06)
            if rng.random() < P_SIG_CROSSES_LINE:
                sy += row_mm * rng.choice([-1, 1]) * rng.uniform(0.2, 0.4)
                notes[i].append("crosses_line")
            ink = signature(rng, w_mm * MM * s, h_mm * MM * s, stroke)
            stamp(reflect, ink, *p.px(sx, sy), pen, pressure)
        elif rng.random() < P_STRAY_DOT:
            r = max(1, int(stroke * rng.uniform(0.6, 1.5)))
            dot = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
            cv2.circle(dot, (r, r), r, 1.0, -1, cv2.LINE_AA)
            stamp(reflect, dot, *p.px(rng.uniform(x0 + 3, x1 - 3), ya + rng.uniform(0.2, 0.8) * row_mm), pen, pressure)
            notes[i].append("stray_dot")
        if row["postal_code"]:
            text = postal.written_form(row["postal_code"], rng)
            notes[i].append(f"written:{text}")
            h_px = row_mm * rng.uniform(0.4, 0.65) * MM * s
            ink = hands.render(text, rng, int(round(h_px)))
            room = (x1 - xs - 3) * MM * s
            if ink.shape[1] > room:
                k = room / ink.shape[1]
                ink = cv2.resize(ink, (max(1, int(ink.shape[1] * k)), max(1, int(ink.shape[0] * k))), interpolation=cv2.INTER_AREA)
            free_mm = max(0.5, (x1 - xs) - ink.shape[1] / MM / s - 1.5)
            cx = xs + rng.uniform(1.0, free_mm)
            cy = ya + (row_mm - ink.shape[0] / MM / s) / 2 + rng.normal(0, row_mm * 0.05)
            stamp(reflect, ink, *p.px(cx, cy), pen, pressure)
    return notes
