# SPDX-License-Identifier: GPL-3.0-or-later
"""Pixels: thumbnails, on-device face detection and redaction, and the encrypted face store.

Imports core.model and core.security (the face store is encrypted); never the library or the pipeline.
"""
