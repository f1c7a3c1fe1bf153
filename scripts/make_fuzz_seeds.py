#!/usr/bin/python3
"""Writes the small seed corpora under tests/fuzz/corpus/ (run once; committed).

fuzz_ingest: one tiny file of each format and variant the ingest reads, plus
the hand-built broken and encrypted PDFs.
"""
import io
import pathlib
import shutil

from PIL import Image, ImageDraw

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fuzz" / "corpus" / "fuzz_ingest"


def page(mode="L", size=(48, 64)):
    im = Image.new(mode, size, "white")
    ImageDraw.Draw(im).rectangle([4, 4, 20, 30], fill="black")
    return im


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    page().save(OUT / "gray.png", dpi=(300, 300))
    page("RGBA").save(OUT / "rgba.png")
    page("I;16").save(OUT / "gray16.png")
    page().save(OUT / "gray.jpg", quality=70, dpi=(200, 200))
    page("RGB").save(OUT / "rgb.jpg", quality=50)
    page("1").save(OUT / "g4.tif", compression="group4", dpi=(300, 300))
    page().save(OUT / "lzw.tif", compression="tiff_lzw")
    page().save(OUT / "jpeg.tif", compression="jpeg")
    page().save(OUT / "two-pages.tif", save_all=True, append_images=[page("1")], compression="tiff_lzw")
    page().save(OUT / "page.pdf", resolution=72)
    for name in ("broken_page.pdf", "encrypted.pdf"):
        shutil.copy(ROOT / "tests" / "data" / "ingest" / name, OUT / name)


if __name__ == "__main__":
    main()
