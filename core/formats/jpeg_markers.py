# SPDX-License-Identifier: GPL-3.0-or-later
"""The JPEG vocabulary every JPEG module shares: marker codes, the identifiers that open the application
segments this app reads, the limits a walk refuses beyond, and how a segment's size is said.

Here so that the walk (core.formats.jpeg_walk), the readers of each kind of segment and the clean
(core.formats.jpeg_clean) name a marker the same way without importing one another."""

from __future__ import annotations

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP0, APP1, APP2, APP13, APP14, COM = 0xE0, 0xE1, 0xE2, 0xED, 0xEE, 0xFE
EXIF_HEADER = b"Exif\x00"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
EXT_XMP_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
ICC_HEADER = b"ICC_PROFILE\x00"
MPF_HEADER = b"MPF\x00"
JUMBF_CI = b"JP"  # APP11 common identifier of JUMBF (ISO 19566-5)
TRUNCATED = "truncated JPEG: the file ends inside the image data"

# Frame headers a decoder reads (baseline, extended, progressive, lossless; Huffman or arithmetic).
# Differential frames belong to hierarchical JPEG, which no common decoder reads: never copied.
SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC9, 0xCA, 0xCB}
DIFFERENTIAL_SOF = {0xC5, 0xC6, 0xC7, 0xCD, 0xCE, 0xCF}
ARITHMETIC = {0xC9, 0xCA, 0xCB}
LOSSLESS = {0xC3, 0xCB}
DHT, DAC, DQT, DNL, DRI, DHP, EXP = 0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF
STANDALONE = {0x01, *range(0xD0, 0xD8)}
# Segments the image does not need (DNL repeats the height, DHP/EXP are hierarchical): never copied.
NOT_NEEDED = {DNL: "DNL (number of lines)", DHP: "DHP (hierarchical progression)",
              EXP: "EXP (expand reference components)", **{m: f"SOF{m - 0xC0} (hierarchical frame)"
                                                          for m in DIFFERENTIAL_SOF}}
# More scans than this is a file built to be slow to check (a progressive photo has about ten).
MAX_SCANS = 1000
# More marker segments than this likewise (a photo has a few dozen).
MAX_SEGMENTS = 100_000
TOO_COMPLEX = "too complex to check: {n:,} {what} (at most {cap:,})"

# Max payload of one segment (the 2-byte length counts itself).
MAX_PAYLOAD = 65533
