# SPDX-License-Identifier: GPL-3.0-or-later
"""Metadata codecs that live inside many containers: EXIF (TIFF-structured), XMP, IPTC.

Each codec reads a block of bytes into inventory items and writes the allowlisted subset back. Imports
core.model only: a codec knows nothing of file formats, the pipeline or the library.
"""
