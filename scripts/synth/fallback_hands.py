"""TEMPORARY hand-printed text until scripts/synth/handwriting.py lands: OpenCV's
Hershey fonts with jitter. Remove once handwriting.py exists (gen_sheets.py
prefers handwriting.Hands whenever it can be imported)."""
import cv2
import numpy as np

SPLIT_FONTS = {"train": [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX],
               "eval": [cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_COMPLEX_SMALL]}


class HersheyHands:
    def __init__(self, split, cache_dir=None):
        self.fonts = SPLIT_FONTS[split]

    def render(self, text, rng, height):
        font = self.fonts[rng.integers(0, len(self.fonts))]
        thick = int(rng.integers(2, 5))
        pieces = []
        for ch in text:
            (tw, th), bl = cv2.getTextSize(ch, font, 2.0, thick)
            c = np.zeros((90, tw + 2 * thick + int(rng.integers(2, 12))), np.uint8)
            cv2.putText(c, ch, (thick, 62 + int(rng.integers(-4, 5))), font, 2.0, 255, thick, cv2.LINE_AA)
            pieces.append(c)
        img = np.hstack(pieces)
        shear = rng.uniform(-0.15, 0.3)
        h, w = img.shape
        m = np.float32([[1, -shear, max(0.0, shear) * h], [0, 1, 0]])
        img = cv2.warpAffine(img, m, (w + int(abs(shear) * h), h))
        ys, xs = np.nonzero(img)
        img = img[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        k = height / img.shape[0]
        img = cv2.resize(img, (max(1, int(img.shape[1] * k)), max(1, height)), interpolation=cv2.INTER_AREA)
        return img.astype(np.float32) / 255.0
