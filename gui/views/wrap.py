# SPDX-License-Identifier: GPL-3.0-or-later
"""Long words in wrapped labels: Qt wraps a label only between words, so a file name or a recipient's
name without spaces would be cut at the edge of a narrow pane. ``breakable`` marks where it may wrap."""

from __future__ import annotations

LONG_WORD = 16  # characters of a word without a break before the pane may wrap it anywhere


def breakable(text: str) -> str:
    """The text with zero-width spaces where a long word may wrap: after each _ . - / inside it, and
    every LONG_WORD characters of a run without one (a file name or a recipient's name without spaces
    would otherwise be cut at the pane's edge). It reads the same."""
    words = []
    for word in text.split(" "):
        if len(word) > LONG_WORD:
            for mark in "_.-/":
                word = word.replace(mark, mark + "\u200b")
            word = "\u200b".join(
                "\u200b".join(run[i:i + LONG_WORD] for i in range(0, len(run), LONG_WORD))
                for run in word.split("\u200b")
            )
        words.append(word)
    return " ".join(words)
