# SPDX-License-Identifier: GPL-3.0-or-later
"""Ledger events, typed: one dataclass per kind of entry, the JSON payload each one is stored as, and
``describe()``, the one wording of an entry that the CLI (``photo-consent ledger``) and the desktop app's
History dialog both show.

``replay_decisions`` rebuilds the consent decisions every recipient should have from the events alone;
``core.library.ledger_service`` compares that with the decision tables, so a decision changed in the
database without a ledger entry is found.

Payload shapes (stable: they are in every existing ledger):
- consent, album:   {kind: consent, recipient, album, album_path, old, new}
- consent, photos:  {kind: consent, recipient, photos: {old: [fingerprint ...]}, new}
- consent, carried: {kind: consent, action: carried, from, to, recipients: {name: allowed|denied}}
  (a photo edited in place keeps the decisions of its previous content)
- export started:   {kind: export-started, recipient, policy, out, photos} (before the first photo is written)
- export:           {kind: export, recipient, policy, policy_settings, out, receipt_created, files, withheld,
  cancelled}
- recipient:        {kind: recipient, action: add|rename|policy|remove, ...}
Every payload also holds ``when`` (UTC, ISO 8601).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from core.model.categories import LABELS, Category
from core.model.policy import CUSTOM_LABEL, policy_label


@dataclass(frozen=True)
class AlbumDecided:
    recipient: str
    album: str
    album_path: str
    old: str
    new: str
    when: str = ""

    def payload(self) -> dict[str, object]:
        return {
            "kind": "consent",
            "recipient": self.recipient,
            "album": self.album,
            "album_path": self.album_path,
            "old": self.old,
            "new": self.new,
        }


@dataclass(frozen=True)
class PhotosDecided:
    recipient: str
    photos: dict[str, list[str]]  # old decision -> fingerprints that had it
    new: str
    when: str = ""

    def payload(self) -> dict[str, object]:
        return {"kind": "consent", "recipient": self.recipient, "photos": self.photos, "new": self.new}


@dataclass(frozen=True)
class DecisionsCarried:
    """A photo edited in place (new content, same file) keeps the decisions of its previous content."""

    source: str  # fingerprint before the edit
    target: str  # fingerprint after it
    recipients: dict[str, str]  # recipient name -> allowed | denied
    when: str = ""

    def payload(self) -> dict[str, object]:
        return {
            "kind": "consent",
            "action": "carried",
            "from": self.source,
            "to": self.target,
            "recipients": self.recipients,
        }


@dataclass(frozen=True)
class Exported:
    recipient: str
    policy: str
    policy_settings: dict[str, object]
    out: str
    receipt_created: object
    files: list[dict[str, object]]
    withheld: list[dict[str, object]]
    cancelled: bool
    when: str = ""

    def payload(self) -> dict[str, object]:
        return {
            "kind": "export",
            "recipient": self.recipient,
            "policy": self.policy,
            "policy_settings": self.policy_settings,
            "out": self.out,
            "receipt_created": self.receipt_created,
            "files": self.files,
            "withheld": self.withheld,
            "cancelled": self.cancelled,
        }


@dataclass(frozen=True)
class ExportStarted:
    """Written before the first photo of an export by recipient, so a killed export is on the record."""

    recipient: str
    policy: str
    out: str
    photos: int
    when: str = ""

    def payload(self) -> dict[str, object]:
        return {
            "kind": "export-started",
            "recipient": self.recipient,
            "policy": self.policy,
            "out": self.out,
            "photos": self.photos,
        }


@dataclass(frozen=True)
class RecipientAdded:
    recipient: str
    policy: str
    when: str = ""

    def payload(self) -> dict[str, object]:
        return {"kind": "recipient", "action": "add", "recipient": self.recipient, "policy": self.policy}


@dataclass(frozen=True)
class RecipientRenamed:
    old: str
    new: str
    when: str = ""

    def payload(self) -> dict[str, object]:
        return {"kind": "recipient", "action": "rename", "old": self.old, "new": self.new}


@dataclass(frozen=True)
class RecipientPolicyChanged:
    recipient: str
    old: str
    new: str
    when: str = ""
    # Both policies' settings (``Policy.settings()``), so the entry can say what changed; entries written
    # before they were recorded have none and say so plainly.
    old_settings: dict[str, object] | None = None
    new_settings: dict[str, object] | None = None

    def payload(self) -> dict[str, object]:
        data: dict[str, object] = {
            "kind": "recipient",
            "action": "policy",
            "recipient": self.recipient,
            "old": self.old,
            "new": self.new,
        }
        if self.old_settings is not None and self.new_settings is not None:
            data["old_settings"] = self.old_settings
            data["new_settings"] = self.new_settings
        return data


@dataclass(frozen=True)
class RecipientRemoved:
    recipient: str
    policy: str
    when: str = ""

    def payload(self) -> dict[str, object]:
        return {"kind": "recipient", "action": "remove", "recipient": self.recipient, "policy": self.policy}


@dataclass(frozen=True)
class Damaged:
    """An entry whose content is not a JSON object (the chain check says more)."""

    text: str
    when: str = ""

    def payload(self) -> dict[str, object]:
        return {"damaged": self.text}


@dataclass(frozen=True)
class Unknown:
    """An entry of a kind this version does not know (written by a newer version, say)."""

    data: dict[str, object] = field(default_factory=dict)
    when: str = ""

    def payload(self) -> dict[str, object]:
        return dict(self.data)


Event = (
    AlbumDecided
    | PhotosDecided
    | DecisionsCarried
    | Exported
    | ExportStarted
    | RecipientAdded
    | RecipientRenamed
    | RecipientPolicyChanged
    | RecipientRemoved
    | Damaged
    | Unknown
)


def _s(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def _dicts(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def parse(data: Mapping[str, Any]) -> Event:
    """The typed event of a stored payload; odd or unknown payloads become ``Damaged`` / ``Unknown``."""
    when = _s(data, "when")
    if "damaged" in data:
        return Damaged(_s(data, "damaged"), when)
    kind, action = data.get("kind"), data.get("action")
    if kind == "consent":
        if action == "carried":
            recipients = data.get("recipients")
            return DecisionsCarried(
                _s(data, "from"),
                _s(data, "to"),
                {str(k): str(v) for k, v in recipients.items()} if isinstance(recipients, dict) else {},
                when,
            )
        if "album" in data:
            return AlbumDecided(
                _s(data, "recipient"),
                _s(data, "album"),
                _s(data, "album_path"),
                _s(data, "old"),
                _s(data, "new"),
                when,
            )
        photos = data.get("photos")
        groups = (
            {str(old): [str(f) for f in fps] if isinstance(fps, list) else [] for old, fps in photos.items()}
            if isinstance(photos, dict)
            else {}
        )
        return PhotosDecided(_s(data, "recipient"), groups, _s(data, "new"), when)
    if kind == "export":
        settings = data.get("policy_settings")
        return Exported(
            _s(data, "recipient"),
            _s(data, "policy"),
            dict(settings) if isinstance(settings, dict) else {},
            _s(data, "out"),
            data.get("receipt_created"),
            _dicts(data.get("files")),
            _dicts(data.get("withheld")),
            bool(data.get("cancelled")),
            when,
        )
    if kind == "export-started":
        return ExportStarted(
            _s(data, "recipient"), _s(data, "policy"), _s(data, "out"), _int(data.get("photos")), when
        )
    if kind == "recipient":
        if action == "add":
            return RecipientAdded(_s(data, "recipient"), _s(data, "policy"), when)
        if action == "rename":
            return RecipientRenamed(_s(data, "old"), _s(data, "new"), when)
        if action == "policy":
            old_settings, new_settings = data.get("old_settings"), data.get("new_settings")
            both = isinstance(old_settings, dict) and isinstance(new_settings, dict)
            return RecipientPolicyChanged(
                _s(data, "recipient"),
                _s(data, "old"),
                _s(data, "new"),
                when,
                dict(old_settings) if both else None,  # type: ignore[arg-type]
                dict(new_settings) if both else None,  # type: ignore[arg-type]
            )
        if action == "remove":
            return RecipientRemoved(_s(data, "recipient"), _s(data, "policy"), when)
    return Unknown(dict(data), when)


# -- words ------------------------------------------------------------------------------------------

# What a policy's setting does, in words, by setting and value; the nouns read after "keep" / "remove".
_CATEGORY_NOUNS = {
    "location": "the location",
    "time": "the time",
    "device": "the device details",
    "people": "people's names",
    "description": "descriptions",
    "hidden_media": "hidden media",
    "history": "the edit history",
    "technical": "technical fields",
    "file": "file timestamps",
}
_SWITCH_WORDS = {
    ("faces", "blur"): "blur faces",
    ("faces", "keep"): "leave faces as they are",
    ("file_names", "keep"): "keep file names",
    ("file_names", "neutral"): "give files neutral names",
    ("motion", "keep"): "send Live & motion photo videos",
    ("motion", "remove"): "send the still photo only",
    ("passthrough", "True"): "send every file byte for byte",
    ("passthrough", "False"): "clean every file",
}


def _category_words(cat: str, action: str) -> str:
    noun = _CATEGORY_NOUNS.get(cat, cat.replace("_", " "))
    if action == "display":
        return f"keep only the {noun.removeprefix('the ')} a photo needs to display"
    return f"{action} {noun}"


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def settings_changes(old: Mapping[str, object], new: Mapping[str, object]) -> list[str]:
    """What ``new`` does differently from ``old`` (both ``Policy.settings()``), each in a few words."""
    changes: list[str] = []
    old_cats, new_cats = old.get("categories"), new.get("categories")
    old_cats = old_cats if isinstance(old_cats, Mapping) else {}
    new_cats = new_cats if isinstance(new_cats, Mapping) else {}
    for cat, action in new_cats.items():
        if old_cats.get(cat) != action:
            changes.append(_category_words(str(cat), str(action)))
    for key in ("faces", "file_names", "motion", "passthrough"):
        if str(old.get(key)) != str(new.get(key)):
            value = str(new.get(key))
            changes.append(_SWITCH_WORDS.get((key, value), f"{key.replace('_', ' ')}: {value}"))
    return changes


def policy_change(who: str, e: RecipientPolicyChanged) -> str:
    """A policy change in words from the two policies' settings: "Family's settings now keep the time and
    send Live & motion photo videos"; ``who`` empty: "Settings now ...". An entry without the settings
    (written before they were recorded) names the two policies, or says the settings changed."""
    owner = f"{who}'s settings" if who else "Settings"
    if e.old_settings is None or e.new_settings is None:
        old_label, new_label = policy_label(e.old), policy_label(e.new)
        if old_label != new_label:
            return f"{who}: policy {old_label} → {new_label}" if who else f"Policy {old_label} → {new_label}"
        return f"{owner} changed (this entry does not record how)"
    return settings_change(who, e.old_settings, e.new_settings)


def settings_change(who: str, old: Mapping[str, object], new: Mapping[str, object]) -> str:
    """The change from ``old`` to ``new`` settings (``Policy.settings()``) in one sentence."""
    owner = f"{who}'s settings" if who else "Settings"
    changes = settings_changes(old, new)
    new_label = policy_label(new)
    if new_label != CUSTOM_LABEL and new_label != policy_label(old):
        return f"{owner} now follow policy {new_label}" + (f": {_and(changes)}" if changes else "")
    if not changes:
        return f"{owner} saved again, unchanged"
    return f"{owner} now {_and(changes)}"


KIND_LABELS = {"consent": "Consent change", "export": "Export", "recipient": "Recipient"}


class Description(NamedTuple):
    kind: str  # "Consent change", "Export", "Recipient" ...
    recipient: str
    what: str


def _photos(n: int) -> str:
    return f"{n} photo" if n == 1 else f"{n} photos"


def _category(cat: str) -> str:
    try:
        return LABELS[Category(cat)].lower()
    except ValueError:
        return cat


def _export_what(e: Exported) -> str:
    cats: set[str] = set()
    for f in e.files:
        listed = f.get("categories")
        if isinstance(listed, list):
            cats.update(str(c) for c in listed)
    blurred = sum(_int(f.get("faces_blurred")) for f in e.files)
    what = f"{_photos(len(e.files))} exported"
    order = [str(c) for c in Category]
    if cats:
        ordered = sorted(cats, key=lambda c: order.index(c) if c in order else len(order))
        what += " with " + ", ".join(_category(c) for c in ordered)
    else:
        what += ", no metadata"
    if blurred:
        what += f", {blurred} face{'s' if blurred != 1 else ''} blurred"
    what += f"; {len(e.withheld)} withheld (policy {policy_label(e.policy)})"
    if e.cancelled:
        what += " — cancelled"
    return what


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return 0


def describe(event: Event | Mapping[str, Any]) -> Description:
    """One ledger entry in words: (kind, recipient, what). Accepts an event or a stored payload."""
    e = event if not isinstance(event, Mapping) else parse(event)
    consent, recipient = KIND_LABELS["consent"], KIND_LABELS["recipient"]
    match e:
        case Damaged():
            return Description("Damaged entry", "", "this entry's content cannot be read")
        case AlbumDecided():
            return Description(consent, e.recipient, f"Album {e.album}: {e.old} → {e.new}")
        case PhotosDecided():
            parts = [f"{_photos(len(fps))}: {old} → {e.new}" for old, fps in sorted(e.photos.items())]
            return Description(consent, e.recipient, "; ".join(parts) or f"→ {e.new}")
        case DecisionsCarried():
            names = ", ".join(f"{name} ({word})" for name, word in sorted(e.recipients.items()))
            return Description(consent, "", f"Photo edited in place keeps its decisions: {names}")
        case Exported():
            return Description(KIND_LABELS["export"], e.recipient, _export_what(e))
        case ExportStarted():
            what = f"Started: {_photos(e.photos)} to export (policy {policy_label(e.policy)})"
            return Description(KIND_LABELS["export"], e.recipient, what)
        case RecipientAdded():
            return Description(recipient, e.recipient, f"Added, policy {policy_label(e.policy)}")
        case RecipientRenamed():
            return Description(recipient, e.new, f"Renamed from {e.old}")
        case RecipientPolicyChanged():
            return Description(recipient, e.recipient, policy_change("", e))
        case RecipientRemoved():
            return Description(recipient, e.recipient, "Removed (with all its consent decisions)")
        case Unknown():
            kind = _s(e.data, "kind")
            return Description(
                KIND_LABELS.get(kind, kind or "Unknown"), _s(e.data, "recipient"), _s(e.data, "action")
            )
    raise TypeError(f"not a ledger event: {e!r}")  # pragma: no cover - the match is exhaustive


# -- consent replay ---------------------------------------------------------------------------------


@dataclass
class Replayed:
    """Decisions as the ledger says they are, by recipient (case-folded name, as the database compares)."""

    albums: dict[str, dict[str, bool]] = field(default_factory=dict)  # recipient -> album path -> allowed
    photos: dict[str, dict[str, bool]] = field(default_factory=dict)  # recipient -> fingerprint -> allowed
    names: dict[str, str] = field(default_factory=dict)  # folded -> name as last written


def _flag(word: str) -> bool | None:
    return True if word == "allowed" else False if word == "denied" else None


def replay_decisions(events: list[Event]) -> Replayed:
    state = Replayed()

    def key(name: str) -> str:
        folded = name.casefold()
        state.names[folded] = name
        return folded

    for e in events:
        match e:
            case AlbumDecided():
                albums = state.albums.setdefault(key(e.recipient), {})
                flag = _flag(e.new)
                if flag is None:
                    albums.pop(e.album_path, None)
                else:
                    albums[e.album_path] = flag
            case PhotosDecided():
                photos = state.photos.setdefault(key(e.recipient), {})
                flag = _flag(e.new)
                for fps in e.photos.values():
                    for fp in fps:
                        if flag is None:
                            photos.pop(fp, None)
                        else:
                            photos[fp] = flag
            case DecisionsCarried():
                for name, word in e.recipients.items():
                    flag = _flag(word)
                    if flag is not None:
                        state.photos.setdefault(key(name), {}).setdefault(e.target, flag)
            case RecipientRenamed():
                old, new = e.old.casefold(), key(e.new)
                if old != new:
                    state.albums[new] = state.albums.pop(old, {})
                    state.photos[new] = state.photos.pop(old, {})
            case RecipientRemoved():
                folded = e.recipient.casefold()
                state.albums.pop(folded, None)
                state.photos.pop(folded, None)
            case _:
                pass
    return state
