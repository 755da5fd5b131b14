# SPDX-License-Identifier: GPL-3.0-or-later
"""Which values name a person: the report's "Names" list holds only those.

A people-category field holds many things that are not names: flags ("True"), sizes ("4 bytes"),
structures ("CiAdrCity=…"), copyright notices ("© 2020 Jane Doe. All rights reserved."), numbers. A
name is short, made of words that start with a letter, with no digits, markup or legal boilerplate.
Copyright and rights fields are notices, never names, even when they hold one.
"""

from __future__ import annotations

import re

from core.model.inventory import Item
from core.model.values import PersonName

MAX_NAME_CHARS = 60
MAX_NAME_WORDS = 5
# Fields whose value is a person (an author, an owner, someone shown) when it looks like a name.
PERSON_FIELDS = ("artist", "creator", "by-line", "byline", "author", "owner", "personinimage", "person")
NOTICE_FIELDS = ("copyright", "rights", "usageterms", "licen")
_NOT_NAME_TEXT = (
    "true false yes no none null unknown n/a bytes byte rights reserved copyright all photo photos image "
    "images camera owner author artist creator www http https inc ltd llc gmbh contributor contributors "
    "archivalist archivist photographer photographers hobbyfotograf fotograf writer writers editor title "
    "credit credits official digitized digitised scanned by my me on top position staff agency press news "
    "studio team anonymous company"
)
# Lower-case words that belong inside names ("Jane van der Berg", "Ana de la Cruz").
_PARTICLE_TEXT = "van der den de del della la le du da di von zu ter ten dos das bin al y e"
PARTICLES = frozenset(_PARTICLE_TEXT.split(" "))
NOT_NAME_WORDS = frozenset(_NOT_NAME_TEXT.split(" "))
_WORD = re.compile(r"^[^\W\d_][\w'’.\-]*$")


def looks_like_name(text: str) -> bool:
    """True for "Alice", "Jane van der Berg", "O'Neil"; False for "4 bytes", "True", "CiAdrCity=…",
    "© 2020 …", "http://…", an e-mail address, anything long or with digits."""
    text = text.strip()
    if not 2 <= len(text) <= MAX_NAME_CHARS or any(c.isdigit() for c in text):
        return False
    if any(c in text for c in "=:;©@/\\<>{}[]|#*+?!\"") or "(c)" in text.lower():
        return False
    words = text.replace(",", " ").split()
    if not 1 <= len(words) <= MAX_NAME_WORDS:
        return False
    if any(w.lower().strip(".") in NOT_NAME_WORDS for w in words):
        return False
    if not all(_WORD.match(w) for w in words):
        return False
    # Names are capitalised ("I wrote it" is not one); a lone all-capitals word is a label ("NBC").
    if any(not w[0].isupper() and w.lower() not in PARTICLES for w in words) or not words[0][0].isupper():
        return False
    return not (len(words) == 1 and len(words[0]) > 1 and words[0].isupper())


def _field(item: Item) -> str:
    return item.name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1].lower()


def is_notice(item: Item) -> bool:
    """A copyright or rights field: a notice, shown as such, never counted as a name."""
    field = _field(item)
    return any(k in field for k in NOTICE_FIELDS)


def person_name(item: Item) -> str:
    """The person a people-category item names, or "" when it names nobody."""
    if is_notice(item):
        return ""
    if isinstance(item.datum, PersonName):
        if item.datum.role in ("copyright holder", "copyright"):
            return ""
        text = item.datum.text
    else:
        field = _field(item)
        if not any(k in field for k in PERSON_FIELDS) or field.startswith("ci"):
            return ""
        text = item.value
    text = " ".join(text.split())
    return text if looks_like_name(text) else ""


def region_names(value: str) -> list[str]:
    """The names of a face-region summary ("2 face regions: Alice, Bob"); those that look like names."""
    head, sep, tail = value.partition(": ")
    if not sep or "region" not in head:
        return []
    return [n.strip() for n in tail.split(",") if looks_like_name(n)]
