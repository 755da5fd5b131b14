# SPDX-License-Identifier: GPL-3.0-or-later
"""An export's receipt in words, for the window's receipt viewer (History, Share).

A receipt (``core.pipeline.receipts``) is JSON: exact, and made for a program. A person wants to know
when the export was made, for whom, under which policy, which files left and what left with each one,
which were withheld and why, and whether the export was interrupted. These are those words, built from
the receipt alone (it travels with the photos, so an old receipt or one read from a stick reads the same),
with the words the rest of the app uses: category labels, the policy's name (``policy_label``), the
plain sentence for a file that cannot be read. The hashes stay in the receipt: the viewer shows them as
technical details.

A receipt read from a file may be damaged or written by another version: every field is read with its
type checked, and what is missing is left out rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath

from core.model.categories import LABELS, Category
from core.model.inventory import Item
from core.model.policy import POLICY_CATEGORIES, policy_label
from core.pipeline.description import HIDDEN_WORDS, UNREADABLE, join_words, plain_error, plural
from core.pipeline.file_counts import LIVE_PARTNER, VIDEO_SUFFIXES, held_words, of_entries
from core.pipeline.preview_words import format_name, reencoded_why
from core.pipeline.readings import format_moment, hidden_kind
from core.pipeline.receipts import MOTION_VIDEO, ExportResult, carried

STOPPED = ("not exported: ", "not written: ")
UNPROVEN = ("the cleaned file", "the preview promised")
MOTION_WORDS = "a short video (motion photo)"
# The technical category as a policy that keeps only what displays the photo right sends it, or whole.
DISPLAY_WORDS = "what the picture needs to display correctly (orientation, colour profile)"
TECHNICAL_WORDS = "technical data (orientation, colour profile, camera settings)"


@dataclass(frozen=True, slots=True)
class Originals:
    """Which original became which file of an export, as only this computer knows it: from the export's
    result, or from its ledger entry with the library's file names. The receipt never holds this (it
    travels with the photos and, under neutral names, names no original); the app's own windows add it
    to the receipt's words."""

    sent: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (output, its SHA-256) -> original
    held: tuple[tuple[str, str], ...] = ()  # (original, reason) of the withheld files, in the receipt's order


def originals_of_result(result: ExportResult) -> Originals:
    """An export's originals by their file names, from its own result (the Share dialog, just after it)."""
    return Originals(
        {(PurePath(e.output).name, e.sha256): PurePath(e.source).name for e in result.exported},
        tuple((PurePath(w.source).name, w.reason) for w in result.withheld),
    )


@dataclass(frozen=True, slots=True)
class SentFile:
    """One file that left: its name, what left with it (in words), and notes about it."""

    name: str
    carried: str  # "left with time, device and a motion-photo video", or "no metadata"
    notes: tuple[str, ...] = ()  # "2 faces blurred", "one Live Photo with photo-0001.mov"
    source: str = ""  # the original's name, when the policy keeps names
    sha256: str = ""
    original: str = ""  # the original's name as this computer knows it (``Originals``), when it differs

    @property
    def title(self) -> str:
        """"IMG_3001.jpg → photo-0001.jpg" where the original is known, else the file's name."""
        return f"{self.original} → {self.name}" if self.original else self.name

    @property
    def line(self) -> str:
        text = f"{self.title}: {self.carried}"
        if self.notes:
            text += "; " + "; ".join(self.notes)
        return text + "."


@dataclass(frozen=True, slots=True)
class HeldFile:
    """One file that did not leave and why, in one sentence (``detail``: the technical reason)."""

    name: str
    reason: str
    detail: str = ""

    @property
    def line(self) -> str:
        return f"{self.name}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ReceiptWords:
    headline: str  # "Sent to Family on Wed 2 Dec 2026, 01:45 (UTC+00:00)"
    policy: str  # "Policy: custom settings. It kept time; faces blurred; neutral file names; ..."
    summary: str  # "11 photos left (12 files: one Live Photo's movie ...); none was withheld."
    interrupted: str  # "" or why the export stopped before its end
    sent: tuple[SentFile, ...]
    held: tuple[HeldFile, ...]

    def lines(self) -> list[str]:
        """The same words as plain text, one line each."""
        out = [self.headline, self.policy, self.summary]
        if self.interrupted:
            out.append(self.interrupted)
        if self.sent:
            out.append("Left:")
            out += [f"  {f.line}" for f in self.sent]
        if self.held:
            out.append("Withheld:")
            out += [f"  {f.line}" for f in self.held]
        return out


def _text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _int(data: Mapping[str, object], key: str) -> int:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _records(data: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, Mapping)]


def when_text(created: str) -> str:
    """The receipt's time stamp in the app's words ("" when it is missing or not a time)."""
    try:
        return format_moment(datetime.fromisoformat(created))
    except ValueError:
        return ""


def policy_words(settings: object) -> str:
    """The policy by its name (``policy_label``) and what it did, in one sentence."""
    if not isinstance(settings, Mapping):
        return "Policy: not recorded in this receipt."
    label = policy_label(settings)
    if settings.get("passthrough") is True:
        return f"Policy: {label}. Every file left as it was, with everything in it."
    cats = settings.get("categories")
    kept = []
    if isinstance(cats, Mapping):
        kept = [LABELS[c].lower() for c in POLICY_CATEGORIES if cats.get(str(c)) == "keep"]
    if isinstance(cats, Mapping) and cats.get(str(Category.TECHNICAL)) == "display":
        kept.append(DISPLAY_WORDS)
    if kept == [DISPLAY_WORDS]:
        parts = [f"it kept no metadata, only {DISPLAY_WORDS}"]
    else:
        parts = [f"it kept {join_words(kept)}" if kept else "it kept no metadata"]
    parts.append("faces blurred" if settings.get("faces") == "blur" else "faces left as they are")
    parts.append("original file names" if settings.get("file_names") == "keep" else "neutral file names")
    if settings.get("motion") == "keep":
        parts.append("Live and motion photos with their video")
    else:
        parts.append("Live and motion photos as the still alone")
    sentence = "; ".join(parts)
    return f"Policy: {label}. {sentence[0].upper()}{sentence[1:]}."


def _carried(entry: Mapping[str, object], technical: str) -> str:
    """What left with one file: its categories in words, embedded pictures by their kind, and a motion
    photo's video as what it is (a receipt written before it had its own key says it among hidden media:
    it reads the same)."""
    listed = entry.get("categories")
    rows = [dict(r) for r in _records(entry, "items")]
    what = carried([str(c) for c in listed] if isinstance(listed, list) else [], rows)
    cats = what.categories
    order = [str(c) for c in Category]
    words: list[str] = []
    for cat in sorted(set(cats), key=lambda c: order.index(c) if c in order else len(order)):
        if cat == Category.HIDDEN_MEDIA:
            kinds = []
            for item in what.items:
                if item.get("category") == Category.HIDDEN_MEDIA:
                    probe = Item(Category.HIDDEN_MEDIA, _text(item, "name"), "", _text(item, "where"), 0, "")
                    kinds.append(HIDDEN_WORDS[hidden_kind(probe)])
            words += list(dict.fromkeys(kinds)) or ["hidden media"]
        elif cat == Category.FACES:
            words.append("faces, not blurred")
        elif cat == Category.TECHNICAL:
            words.append(DISPLAY_WORDS if technical == "display" else TECHNICAL_WORDS)
        else:
            try:
                words.append(LABELS[Category(cat)].lower())
            except ValueError:
                words.append(cat)
    if what.motion_video or entry.get(MOTION_VIDEO) is True:
        words.append(MOTION_WORDS)
    if words == [DISPLAY_WORDS]:
        return f"no metadata, only {DISPLAY_WORDS}"
    return f"left with {join_words(words)}" if words else "no metadata"


def _sent(entry: Mapping[str, object], technical: str, originals: Originals) -> SentFile:
    name = _text(entry, "output") or "(a file without a name)"
    original = originals.sent.get((_text(entry, "output"), _text(entry, "sha256")), "")
    original = "" if original == name else original
    notes = []
    blurred = _int(entry, "faces_blurred")
    if blurred:
        notes.append(f"{plural(blurred, 'face')} blurred")
    if _text(entry, "pixels") == "re-encoded":
        # The same words as the pane and Share said before the export ("converted from HEIC to JPEG").
        into = f" to {format_name(name)}" if PurePath(name).suffix else ""
        notes.append(f"converted{into}: {reencoded_why()}")
    partner = _text(entry, LIVE_PARTNER)
    if partner:
        if partner.lower().endswith(VIDEO_SUFFIXES):
            notes.append(f"with its Live Photo movie {partner}")
        else:
            notes.append(f"the movie of the Live Photo {partner}")
    source = _text(entry, "source_name")
    if source and source != original:
        notes.append(f"from {source}")
    return SentFile(name, _carried(entry, technical), tuple(notes), source, _text(entry, "sha256"), original)


def reason_words(reason: str) -> str:
    """Why a file was withheld, in one sentence. The policy's reasons are sentences already; a damaged
    file gets the app's plain sentence for it; the export's own stops and checks say what happened."""
    text = reason.strip()
    low = text.lower()
    for prefix in STOPPED:
        if low.startswith(prefix):
            return f"Not sent: the export stopped before this file ({text[len(prefix):]})."
    if low.startswith(UNPROVEN):
        return "Not sent: the app could not prove its cleaned copy clean, so it kept it back."
    plain = plain_error(text)
    if plain != UNREADABLE and "policy" not in low:
        return plain  # a damaged or unsupported file, in the app's sentence for it
    # The policy's reasons and the export's checks are sentences already ("the file changed since...").
    sentence = text[:1].upper() + text[1:]
    return sentence if sentence.endswith(".") else sentence + "."


def _held(entry: Mapping[str, object], index: int, originals: Originals) -> HeldFile:
    # Under a neutral-names policy the receipt names no original: the file is counted, never named; the
    # app's own windows know it (the same file: the same place in the list, the same reason).
    reason = _text(entry, "reason")
    known = originals.held[index - 1] if index <= len(originals.held) else ("", "")
    name = _text(entry, "source_name") or (known[0] if known[1] == reason else "") or f"File {index}"
    return HeldFile(name, reason_words(reason) if reason else "No reason recorded.", reason)


def _interrupted(receipt: Mapping[str, object]) -> str:
    error = _text(receipt, "error")
    if error:
        return f"The export stopped before its end: {error}. Only the files listed as left were written."
    if receipt.get("cancelled") is True:
        return "The export was stopped before its end: only the files listed as left were written."
    return ""


def receipt_words(receipt: Mapping[str, object], originals: Originals | None = None) -> ReceiptWords:
    """A receipt (the JSON document, parsed) in words. ``originals``: which original became which file,
    where this computer knows it (a file is matched by its name and SHA-256, so another export's receipt
    in the same folder is never given this one's originals)."""
    originals = originals or Originals()
    recipient = _text(receipt, "recipient")
    when = when_text(_text(receipt, "created"))
    headline = f"Sent to {recipient}" if recipient else "Exported"
    if when:
        headline += f" on {when}"
    settings = receipt.get("policy")
    cats = settings.get("categories") if isinstance(settings, Mapping) else None
    technical = str(cats.get(str(Category.TECHNICAL), "")) if isinstance(cats, Mapping) else ""
    files = _records(receipt, "files")
    sent = tuple(_sent(e, technical, originals) for e in files)
    withheld = _records(receipt, "withheld")
    held = tuple(_held(e, n, originals) for n, e in enumerate(withheld, 1))
    # Photos as the Share dialog counted them, and the files they are where the two differ.
    summary = of_entries(files).words("left") if sent else "No photo left"
    summary += f"; {held_words([_text(e, 'reason') for e in withheld])}."
    return ReceiptWords(headline + ".", policy_words(settings), summary, _interrupted(receipt), sent, held)
