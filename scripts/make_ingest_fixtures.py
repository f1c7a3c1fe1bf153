#!/usr/bin/python3
"""Makes the two hand-built PDFs in tests/data/ingest/ (run once; they are committed).

broken_page.pdf: two pages, the second of which is not a page object.
encrypted.pdf:   one page, AES-256 encrypted with a user password (needs `qpdf`).
Every other ingest fixture is drawn by the tests themselves.
"""
import pathlib
import subprocess
import tempfile

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "ingest"


def pdf(objs):
    out, offsets = b"%PDF-1.4\n", {}
    for i in sorted(objs):
        offsets[i] = len(out)
        out += b"%d 0 obj\n" % i + objs[i] + b"\nendobj\n"
    xref, n = len(out), max(objs) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % n
    out += b"".join(b"%010d 00000 n \n" % offsets[i] for i in range(1, n))
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (n, xref)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    stream = b"0 0 0 rg 72 72 200 200 re f"
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        4: b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        5: b"(this is not a page)",
    }
    (OUT / "broken_page.pdf").write_bytes(pdf(objs))
    objs[2] = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    del objs[5]
    with tempfile.TemporaryDirectory() as tmp:
        plain = pathlib.Path(tmp) / "plain.pdf"
        plain.write_bytes(pdf(objs))
        subprocess.run(["qpdf", "--encrypt", "secret-user", "secret-owner", "256", "--",
                        str(plain), str(OUT / "encrypted.pdf")], check=True)


if __name__ == "__main__":
    main()
