# SPDX-License-Identifier: GPL-3.0-or-later
"""Sharing: export exactly the photos a recipient may receive, with its policy, and record the export in the
ledger (what left, for whom, with which categories, and what was withheld and why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.imaging.facestore import FaceStore
from core.library import events as ev
from core.library import live_photos
from core.library.consent_service import Consent
from core.library.context import LibraryContext
from core.library.recipients import Recipients
from core.model.jobs import CancelToken, Job
from core.pipeline.file_counts import LIVE_PARTNER
from core.pipeline.receipts import MOTION_VIDEO, carried
from core.pipeline.receipts import Exported as ExportedFile


@dataclass(frozen=True, slots=True)
class AlreadySent:
    """Of the photos a recipient may receive now, those the ledger says it already received."""

    recipient: str
    allowed: int  # photos the recipient may receive now
    sent: int  # of those, already received in an earlier export
    last: str  # when the last of those left (UTC, ISO 8601); "" when none

    @property
    def new(self) -> int:
        return self.allowed - self.sent

    @property
    def sentence(self) -> str:
        """"12 of these 30 photos were already sent to Family on 1 Dec 2026." (CLI and Share dialog)"""
        return (
            f"{self.sent} of these {self.allowed} photo{'' if self.allowed == 1 else 's'} "
            f"{'was' if self.sent == 1 else 'were'} already sent to {self.recipient} on {day_of(self.last)}."
        )


def day_of(when: str) -> str:
    """"2026-12-01T10:00:00+00:00" -> "1 Dec 2026" (the local day); the date text when unreadable."""
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return when[:10] or "an earlier day"
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{moment.day} {moment.strftime('%b %Y')}"


def _ledger_file(e: ExportedFile) -> dict[str, object]:
    """One file that left, for the ledger: its categories as its receipt records them (a motion photo's
    video under its own key, never as hidden media the policy removes), and a Live Photo's other half."""
    what = carried(e.categories, e.items)
    entry: dict[str, object] = {
        "fingerprint": e.source_sha256,
        "categories": what.categories,
        "output_sha256": e.sha256,
        "output": Path(e.output).name,
        "faces_blurred": e.faces_blurred,
        # Always present ("" for a file on its own), so History can tell an entry that records Live Photos
        # from one written before it did, and count photos only where it can.
        LIVE_PARTNER: Path(e.paired_with).name if e.paired_with else "",
    }
    if what.motion_video:
        entry[MOTION_VIDEO] = True
    return entry


class Sharing:
    def __init__(self, ctx: LibraryContext, recipients: Recipients, consent: Consent) -> None:
        self.ctx = ctx
        self.recipients = recipients
        self.consent = consent

    def export_job(
        self,
        recipient: str,
        out: Path,
        faces: FaceStore,
        *,
        zip_output: bool = False,
        only_new: bool = False,
        cancel: CancelToken | None = None,
    ) -> Job[object]:
        """Export exactly the photos the recipient may receive, with its policy; log it in the ledger.

        ``only_new``: leave out the photos the ledger says this recipient already received."""
        from core.pipeline.export import export_job

        rec = self.recipients.get(recipient)
        policy = self.recipients.usable_policy(rec)
        live = live_photos.pairs(self.ctx)
        sources = self.consent.allowed_sources(rec.name)
        if only_new:
            sent = self.sent_to(rec.name)
            sources = [(p, fp) for p, fp in sources if fp not in sent]
        # On the record before any photo is written, so a killed export is accounted for too (its photos
        # are listed by the receipt the next export into that folder writes).
        with self.ctx.db.transaction():
            self.ctx.ledger.append(ev.ExportStarted(rec.name, policy.name, str(out), len(sources)))
        # The exporter hashes what it actually reads and withholds any file whose bytes are no longer the
        # photo that was consented to, so the receipt and the ledger state the truth.
        result = yield from export_job(
            [p for p, _ in sources],
            policy,
            out,
            zip_output=zip_output,
            recipient=rec.name,
            cancel=cancel,
            source_fingerprints=dict(sources) | {m: mfp for m, mfp in live.values()},
            face_source=faces.faces_for,
            live_pairs={still: movie for still, (movie, _) in live.items()},
        )
        event = ev.Exported(
            recipient=rec.name,
            policy=policy.name,
            policy_settings=policy.to_json(),
            out=str(result.out),
            receipt_created=result.receipt.get("created"),
            files=[_ledger_file(e) for e in result.exported],
            withheld=[{"fingerprint": w.source_sha256, "reason": w.reason} for w in result.withheld],
            cancelled=result.cancelled,
        )
        with self.ctx.db.transaction():
            self.ctx.ledger.append(event)
        return result

    def last_destination(self, recipient: str) -> str:
        """The folder the recipient's last export went to ('' when none): Share offers it again."""
        from core.library.events import Exported

        last = ""
        for _, event in self.ctx.ledger.events():
            if isinstance(event, Exported) and event.recipient == recipient and event.out:
                last = event.out
        return last

    def sent_to(self, recipient: str) -> dict[str, str]:
        """Fingerprint -> when it last left for ``recipient``, from the ledger's export entries.

        Renames are followed (what "Family" received before it was renamed "Parents", Parents received);
        a removed recipient's history does not pass to a new recipient of the same name."""
        received: dict[str, dict[str, str]] = {}
        for what, when, name, fingerprints in self.ctx.ledger.repo.sending_history():
            if what == "export":
                mine = received.setdefault(name, {})
                for fp in fingerprints:
                    mine[fp] = when
            elif what == "rename":
                old, _, new = name.partition("\n")
                received[new] = received.pop(old, {})
            elif what == "remove":
                received.pop(name, None)
        return received.get(recipient, {})

    def already_sent(self, recipient: str) -> AlreadySent:
        rec = self.recipients.get(recipient)
        sent = self.sent_to(rec.name)
        allowed = {fp for _, fp in self.consent.allowed_sources(rec.name)}
        times = [sent[fp] for fp in allowed if fp in sent]
        return AlreadySent(rec.name, len(allowed), len(times), max(times, default=""))

