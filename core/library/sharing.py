# SPDX-License-Identifier: GPL-3.0-or-later
"""Sharing: export exactly the photos a recipient may receive, with its policy, and record the export in the
ledger (what left, for whom, with which categories, and what was withheld and why).
"""

from __future__ import annotations

from pathlib import Path

from core.imaging.facestore import FaceStore
from core.library import events as ev
from core.library.consent_service import Consent
from core.library.context import LibraryContext
from core.library.recipients import Recipients
from core.model.jobs import CancelToken, Job


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
        cancel: CancelToken | None = None,
    ) -> Job[object]:
        """Export exactly the photos the recipient may receive, with its policy; log it in the ledger."""
        from core.pipeline.export import export_job

        rec = self.recipients.get(recipient)
        policy = self.recipients.usable_policy(rec)
        sources = self.consent.allowed_sources(rec.name)
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
            source_fingerprints=dict(sources),
            face_source=faces.faces_for,
        )
        event = ev.Exported(
            recipient=rec.name,
            policy=policy.name,
            policy_settings=policy.to_json(),
            out=str(result.out),
            receipt_created=result.receipt.get("created"),
            files=[
                {
                    "fingerprint": e.source_sha256,
                    "categories": list(e.categories),
                    "output_sha256": e.sha256,
                    "output": Path(e.output).name,
                    "faces_blurred": e.faces_blurred,
                }
                for e in result.exported
            ],
            withheld=[{"fingerprint": w.source_sha256, "reason": w.reason} for w in result.withheld],
            cancelled=result.cancelled,
        )
        with self.ctx.db.transaction():
            self.ctx.ledger.append(event)
        return result
