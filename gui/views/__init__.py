# SPDX-License-Identifier: GPL-3.0-or-later
"""Widgets that show one thing: the photo grid and its delegate, the preview pane, the report view."""
