# SPDX-License-Identifier: GPL-3.0-or-later
"""The Share dialog's summary as text: what an export would send (``core.library.sharing_summary``,
computed in a worker from the same per-file plan as the export) laid out as escaped HTML."""

from __future__ import annotations


def photos_text(n: int) -> str:
    return f"{n} photo" if n == 1 else f"{n} photos"


def categories_html(entries: list[tuple[str, int]], risky: set[str] | None = None, colour: str = "") -> str:
    """Escaped HTML: each category with its photo count; risky ones bold in the risk colour."""
    parts = []
    for label, n in entries:
        text = esc(f"{label} ({photos_text(n)})")
        if risky and label in risky:
            text = f'<b style="color:{colour}">{text}</b>'
        parts.append(text)
    return ", ".join(parts)


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
