# SPDX-License-Identifier: GPL-3.0-or-later
"""Photo Consent core: pure Python, never imports Qt."""

__version__ = "0.1.0"
