# SPDX-License-Identifier: GPL-3.0-or-later
"""Photo Consent desktop app (PySide6). Depends on core; core never imports it."""
