# SPDX-License-Identifier: GPL-3.0-or-later
"""The fixed metadata categories (docs/DESIGN.md, "Data model"); the CLI, GUI and tests use their ids."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    LOCATION = "location"
    TIME = "time"
    DEVICE = "device"
    PEOPLE = "people"
    DESCRIPTION = "description"
    HIDDEN_MEDIA = "hidden_media"
    HISTORY = "history"
    TECHNICAL = "technical"
    FACES = "faces"
    FILE = "file"
    UNKNOWN = "unknown"


LABELS: dict[Category, str] = {
    Category.LOCATION: "Location",
    Category.TIME: "Time",
    Category.DEVICE: "Device",
    Category.PEOPLE: "People",
    Category.DESCRIPTION: "Description",
    Category.HIDDEN_MEDIA: "Hidden media",
    Category.HISTORY: "Edit history",
    Category.TECHNICAL: "Technical",
    Category.FACES: "Faces",
    Category.FILE: "File",
    Category.UNKNOWN: "Unknown data",
}
