"""The Chinese font for the papers, read once per process.

Reading the 4.6 MB CJK font (49,000 glyphs) takes a few hundred milliseconds, and fpdf2
reads it again for every document, then subsets it in place. Here it is read once; each
document gets its own shallow copy of the tables (the glyph data shared, never changed,
the mappings the subsetter prunes copied), so a paper costs tens of milliseconds and the
font embedded is the same subset as before."""

import copy
import threading
from functools import cache

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from jiuzhu.cases.public import FONT

FAMILY = "paper"
# Tables the subsetter rewrites deep inside (layout), or that a PDF does not use.
LEFT_OUT = {"GlyphOrder", "GSUB", "GPOS", "GDEF", "FFTM"}
# Mappings the subsetter replaces or prunes: copied for each document.
_MAPPINGS = ("glyphs", "metrics", "extraNames", "mapping", "glyphOrder")
_lock = threading.Lock()


@cache
def _template() -> TTFFont:
    with _lock:
        reader = FPDF()
        reader.add_font(FAMILY, fname=str(FONT))
        face = reader.fonts[FAMILY]
        assert isinstance(face, TTFFont)
        # Every table read now, not while a paper waits.
        tables = face.ttfont.keys()
        for tag in tables:
            face.ttfont[tag]
        return face


def _copy_of(font: TTFont) -> TTFont:
    copied = TTFont()
    copied.sfntVersion = font.sfntVersion
    copied.setGlyphOrder(list(font.getGlyphOrder()))
    tables = font.keys()
    for tag in tables:
        if tag in LEFT_OUT:
            continue
        table = copy.copy(font[tag])
        for name in _MAPPINGS:
            value = getattr(table, name, None)
            if isinstance(value, dict | list):
                setattr(table, name, copy.copy(value))
        if tag == "cmap":
            table.tables = [copy.copy(sub) for sub in table.tables]
        copied[tag] = table
    return copied


def add_to(pdf: FPDF) -> None:
    """Make the font available to `pdf` as FAMILY, as `add_font` would."""
    face = copy.copy(_template())
    face.ttfont = _copy_of(face.ttfont)
    face.i = len(pdf.fonts) + 1
    face.missing_glyphs = []
    face.biggest_size_pt = 0
    face.subset = SubsetMap(face)
    pdf.fonts[FAMILY] = face
