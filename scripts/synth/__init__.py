"""Synthetic petition scans with truth (used by scripts/gen_sheets.py)."""
