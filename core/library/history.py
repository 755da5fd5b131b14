# SPDX-License-Identifier: GPL-3.0-or-later
"""The ledger as a person reads it: each entry one sentence that names the photos it concerns
("Shared IMG_3001.jpg with Family · allowed by you"), with those photos' fingerprints, and for an export
its output folder and receipt; and the verification result in words that are exactly true (how many
entries are signed, how many are not, which entry fails first).

``core.library.events.describe`` stays the short, technical wording of `photo-consent ledger`; this is
the History dialog's wording, built on the same typed events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath

from core.library import events as ev
from core.library.ledger import Entry, Verification
from core.model.policy import policy_label
from core.pipeline.file_counts import LIVE_PARTNER, held_words, is_live_movie, of_entries
from core.pipeline.receipt_words import Originals
from core.pipeline.receipts import RECEIPT_NAME

NAMES_SHOWN = 3  # photo names in a sentence before "and N more"


@dataclass(frozen=True, slots=True)
class HistoryItem:
    entry: Entry
    when: str  # UTC, ISO 8601, as stored
    recipient: str  # "" for entries about no recipient
    sentence: str
    fingerprints: tuple[str, ...] = ()  # the photos the entry concerns, in the entry's order
    out: str = ""  # an export's output folder (or zip file)
    receipt: str = ""  # an export's receipt file, when it is a separate file
    originals: Originals | None = None  # an export's originals, where the library still knows them

    def concerns(self, name_or_fingerprint: str, names: Mapping[str, str]) -> bool:
        """True when the entry is about a photo whose file name contains the text (or that fingerprint)."""
        needle = name_or_fingerprint.casefold()
        return any(fp == name_or_fingerprint or needle in names.get(fp, "").casefold()
                   for fp in self.fingerprints)


def _photos(n: int) -> str:
    return f"{n} photo" if n == 1 else f"{n} photos"


def named(fingerprints: Sequence[str], names: Mapping[str, str]) -> str:
    """"IMG_1.jpg", "IMG_1.jpg and IMG_2.jpg", "IMG_1.jpg, IMG_2.jpg, IMG_3.jpg and 4 more"."""
    shown = [names.get(fp) or "a photo no longer in the library" for fp in fingerprints[:NAMES_SHOWN]]
    more = len(fingerprints) - len(shown)
    if more > 0:
        return ", ".join(shown) + f" and {more} more"
    if len(shown) > 1:
        return ", ".join(shown[:-1]) + " and " + shown[-1]
    return shown[0] if shown else "no photo"


_DECIDED = {
    "allowed": ("Shared {what} with {who}", "allowed by you"),
    "denied": ("Kept {what} from {who}", "denied by you"),
}


def _decision(what: str, who: str, new: str, follows: str) -> str:
    if new in _DECIDED:
        head, tail = _DECIDED[new]
        return f"{head.format(what=what, who=who)} · {tail}"
    verb = "follow" if " and " in what else "follows"
    return f"{what[:1].upper()}{what[1:]} {verb} {follows} for {who} again"


def _records_pairs(e: ev.Exported) -> bool:
    """An export entry that says which files are a Live Photo's movie (entries written before it did
    cannot tell a Live Photo's movie from a video: they are counted in files)."""
    return bool(e.files) and all(LIVE_PARTNER in f for f in e.files)


def _photo_files(e: ev.Exported) -> list[dict[str, object]]:
    """The files that are photos: a Live Photo's movie goes with its still, as in the grid."""
    if not _records_pairs(e):
        return list(e.files)
    return [f for f in e.files if not is_live_movie(str(f.get("output", "")), str(f.get(LIVE_PARTNER, "")))]


def _export(e: ev.Exported, names: Mapping[str, str]) -> str:
    fps = [str(f.get("fingerprint", "")) for f in _photo_files(e)]
    text = f"Sent {named(fps, names)} to {e.recipient}" if e.files else f"Sent nothing to {e.recipient}"
    text += f" · policy {policy_label(e.policy)}"
    blurred = sum(ev._int(f.get("faces_blurred")) for f in e.files)
    if blurred:
        text += f", {blurred} face{'s' if blurred != 1 else ''} blurred"
    if e.withheld:
        text += f" · {_photos(len(e.withheld))} withheld"
    if e.cancelled:
        text += " · cancelled before the end"
    return text


def item_of(entry: Entry, names: Mapping[str, str]) -> HistoryItem:
    """One ledger entry in words. ``names``: fingerprint -> file name of the photos in the library."""
    data = entry.data()
    event = ev.parse(data)
    when = str(data.get("when", ""))
    match event:
        case ev.AlbumDecided():
            sentence = _decision(f"album {event.album}", event.recipient, event.new, "its parent album")
            return HistoryItem(entry, when, event.recipient, sentence)
        case ev.PhotosDecided():
            fps = tuple(fp for group in event.photos.values() for fp in group)
            sentence = _decision(named(fps, names), event.recipient, event.new, "its album")
            return HistoryItem(entry, when, event.recipient, sentence, fps)
        case ev.DecisionsCarried():
            who = ", ".join(sorted(event.recipients)) or "nobody"
            sentence = f"{named([event.target], names)} was edited and keeps its decisions for {who}"
            return HistoryItem(entry, when, "", sentence, (event.target,))
        case ev.Exported():
            fps = tuple(str(f.get("fingerprint", "")) for f in event.files if f.get("fingerprint"))
            out = event.out
            receipt = str(Path(out) / RECEIPT_NAME) if out and not out.endswith(".zip") else ""
            return HistoryItem(entry, when, event.recipient, _export(event, names), fps, out, receipt,
                               originals_of(event, names))
        case ev.ExportStarted():
            sentence = f"Started sending {_photos(event.photos)} to {event.recipient}"
            return HistoryItem(entry, when, event.recipient, sentence, (), event.out)
        case ev.RecipientPolicyChanged():
            return HistoryItem(entry, when, event.recipient, ev.policy_change(event.recipient, event))
        case _:
            kind, recipient, what = ev.describe(event)
            sentence = f"{recipient}: {what}" if recipient else f"{kind}: {what}"
            return HistoryItem(entry, when, recipient, sentence)


def originals_of(e: ev.Exported, names: Mapping[str, str]) -> Originals:
    """Which original became which file of an export: its ledger entry records each output's name and
    hash with the original's fingerprint, and the library knows that fingerprint's file name. Files whose
    original is no longer in the library are left out."""
    sent = {
        (str(f.get("output", "")), str(f.get("output_sha256", ""))): names[fp]
        for f in e.files
        if (fp := str(f.get("fingerprint", ""))) in names
    }
    held = tuple((names.get(str(w.get("fingerprint", "")), ""), str(w.get("reason", ""))) for w in e.withheld)
    return Originals(sent, held)


OUTPUTS_SHOWN = 12  # "IMG_3001.jpg → photo-0001.jpg" in an export's details before "and N more"


def outputs_text(originals: Originals) -> str:
    """"IMG_3001.jpg → photo-0001.jpg, IMG_3002.jpg → photo-0002.jpg and 3 more (all in the receipt)";
    "" when no original is known or every file kept its name."""
    pairs = [f"{original} → {output}" for (output, _sha), original in originals.sent.items()
             if original != output]
    if not pairs:
        return ""
    shown = pairs[:OUTPUTS_SHOWN]
    if len(pairs) > len(shown):
        return ", ".join(shown) + f" and {len(pairs) - len(shown)} more (all in the receipt)"
    return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]


def _local(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%A %d %B %Y, %H:%M:%S (UTC%z)")
    except (TypeError, ValueError):
        return iso or "not recorded"


_RESULTS = {"allowed": "shared", "denied": "kept private", "inherit": "follows its album again"}


def _result(event: ev.Event) -> str:
    match event:
        case ev.Exported():
            if _records_pairs(event) or not event.files:
                # Counted as the Share dialog and the receipt count them.
                reasons = [str(w.get("reason", "")) for w in event.withheld]
                left = of_entries(event.files).words("left") if event.files else "No photo left"
                text = f"{left}; {held_words(reasons)}"
            else:
                sent, held = len(event.files), len(event.withheld)
                text = f"{_photos(sent).replace('photo', 'file')} left, {held} withheld"
            if event.cancelled:
                text += "; cancelled before the end"
            return text
        case ev.ExportStarted():
            return "Started; what left is in the export's own entry (none: it did not finish)"
        case ev.AlbumDecided() | ev.PhotosDecided():
            return _RESULTS.get(event.new, event.new).capitalize()
        case ev.DecisionsCarried():
            return "The edited photo keeps its decisions"
        case ev.Damaged():
            return "This entry's content cannot be read"
        case _:
            return "Recorded"


def entry_facts(item: HistoryItem, bad: bool = False) -> list[tuple[str, str]]:
    """The selected entry in words, before its raw form: (what, when, who, result, signature).

    ``bad``: this entry fails the ledger's verification."""
    event = ev.parse(item.entry.data())
    by = "Photo Consent, when it found the photo edited" if isinstance(event, ev.DecisionsCarried) else (
        "You, with Photo Consent on this device"
    )
    if bad:
        signature = "Fails verification: from this entry on, the history cannot be trusted"
    elif item.entry.signed:
        signature = "Signed with this device's key, and verified"
    else:
        signature = "Not signed (there was no keyring when it was written)"
    facts = [("What", item.sentence), ("When", _local(item.when)), ("Who", by)]
    if item.recipient:
        facts.append(("Recipient", item.recipient))
    facts.append(("Result", _result(event)))
    outputs = outputs_text(item.originals) if item.originals is not None else ""
    if outputs:
        facts.append(("Files", outputs))  # which original became which file: only this computer knows
    facts.append(("Signature", signature))
    return facts


def items(entries: Iterable[Entry], names: Mapping[str, str]) -> list[HistoryItem]:
    return [item_of(e, names) for e in entries]


def file_names(paths: Iterable[tuple[str, str | PurePath]]) -> dict[str, str]:
    """fingerprint -> file name, from (fingerprint, path) pairs (the first path of each content)."""
    out: dict[str, str] = {}
    for fp, path in paths:
        out.setdefault(fp, PurePath(path).name)
    return out


def verification_text(check: Verification, signed: int, total: int) -> tuple[str, str]:
    """(level, plain sentence) about the ledger check, exactly true: level ok | warning | error.

    ``signed``: how many of the ``total`` entries are signed."""
    unsigned = total - signed
    counts = f"{signed} signed, {unsigned} unsigned"
    if not check.ok:
        if check.first_bad is None:
            return "error", f"The history fails verification: {check.reason}. ({total} entries: {counts}.)"
        before = check.checked
        return "error", (
            f"Entry {check.first_bad} fails verification: {check.reason}. The {before} "
            f"entr{'y' if before == 1 else 'ies'} before it check out; from entry {check.first_bad} on, the "
            f"history cannot be trusted. ({total} entries: {counts}.)"
        )
    if total == 0:
        return "ok", "The history is empty: consent changes and exports will appear here."
    if unsigned == 0:
        return "ok", f"The history is intact: all {total} entries are signed and verified."
    if signed == 0:
        if total == 1:
            return "warning", (
                "The one entry is not signed: there was no password store (keyring) to seal it when it was "
                "written. It shows no accidental damage, but someone using this device could change it "
                "unnoticed."
            )
        return "warning", (
            f"None of the {total} entries is signed: there was no password store (keyring) to seal them when "
            "they were written. They show no accidental damage, but someone using this device could "
            "change them unnoticed."
        )
    return "warning", (
        f"The history checks out: {signed} signed entries verified. The {unsigned} older unsigned "
        f"entr{'y is' if unsigned == 1 else 'ies are'} protected only by the signed entries after "
        f"{'it' if unsigned == 1 else 'them'} (written before the keyring was used)."
    )
