# SPDX-License-Identifier: GPL-3.0-or-later
"""CLI commands over the library: import, allow|deny|inherit, status, recipients, ledger, export --recipient,
report.

Each handler takes the parsed arguments (``args.home``: Path | None, ``args.json``: bool) and returns an
exit code: 0 all done, 1 some files failed or were withheld (or the ledger does not verify), 2 usage error.
With ``--json`` exactly one JSON document goes to stdout; messages go to stderr.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from core.library.consent import Decision
from core.library.db import DatabaseError, describe_sqlite_error
from core.library.events import describe
from core.library.paths import db_path, home_dir
from core.library.service import LibraryError, LibraryService
from core.model.jobs import drive
from core.model.policy import Policy, PolicyError, policy_label

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _json_out(doc: object) -> None:
    json.dump(doc, sys.stdout, ensure_ascii=True, indent=2)  # non-UTF-8 file names cannot fail it
    sys.stdout.write("\n")


def _open(args: argparse.Namespace, *, readonly: bool = False) -> LibraryService:
    """The library; ``readonly`` for commands that only read (an existing library is opened read-only)."""
    return LibraryService.open(getattr(args, "home", None), readonly=readonly)


def plain_errors(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A library that cannot be opened or read (damaged, unreadable, a read-only home folder) ends the
    command with one plain sentence and exit code 1, never a traceback."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except DatabaseError as exc:
            _err(f"photo-consent: {exc}")
        except sqlite3.Error as exc:
            path = db_path(home_dir(getattr(args, "home", None)))
            _err(f"photo-consent: {describe_sqlite_error(path, exc)}")
        return EXIT_FAILED

    return run


def _usage(exc: Exception) -> int:
    _err(f"photo-consent: {exc}")
    return EXIT_USAGE


def policy_for_recipient(home: Path | None, recipient: str) -> Policy:
    """The policy of a library recipient (for `preview --recipient`); unknown names are a usage error."""
    try:
        with LibraryService.open(home, readonly=True) as lib:
            return lib.policy_of(lib.recipient(recipient))
    except (LibraryError, DatabaseError, sqlite3.Error) as exc:
        raise PolicyError(str(exc)) from exc


# -- import -----------------------------------------------------------------------------------------


@plain_errors
def cmd_import(args: argparse.Namespace) -> int:
    with _open(args) as lib:
        last = [""]

        def show(p: object) -> None:
            message = getattr(p, "message", "")
            if not args.json and message and message != last[0] and sys.stderr.isatty():
                print(f"\r{message[:78]:<78}", end="", file=sys.stderr)
            last[0] = message

        # Hashing and walking hold the GIL in part (the scan search is a regex): both cores only in
        # worker processes, as the app imports. Forked (a command runs no other thread), on first use,
        # so a rescan with nothing new costs no process start.
        lib.ctx.offload.use_processes(os.cpu_count() or 1, method="fork", background=False)
        try:
            result = drive(lib.import_job(args.folders), show)
        finally:
            lib.ctx.offload.close()
        if not args.json and sys.stderr.isatty():
            print(file=sys.stderr)
        if args.json:
            _json_out(result.to_json())
        else:
            print(
                f"Imported {', '.join(result.roots) or 'nothing'}: {result.added} new, "
                f"{result.changed} changed, {result.unchanged} unchanged, {result.gone} gone."
            )
            for path, reason in result.unsupported:
                print(f"  skipped {path}: {reason}")
            for path, reason in result.problems:
                print(f"  problem {path}: {reason}")
        if lib.keyring_notice:
            _err(lib.keyring_notice)
    return EXIT_FAILED if result.problems else EXIT_OK


# -- consent ----------------------------------------------------------------------------------------


@plain_errors
def cmd_decide(args: argparse.Namespace) -> int:
    decision = Decision(args.decision)
    with _open(args) as lib:
        try:
            rec = lib.recipient(args.recipient)
            albums = []
            fingerprints: dict[str, str] = {}
            for target in args.targets:
                if os.path.isfile(target):
                    fingerprints[lib.fingerprint_of(target)] = target
                else:
                    albums.append(lib.find_album(target))
        except LibraryError as exc:
            return _usage(exc)
        album_docs: list[dict[str, object]] = []
        photo_docs: list[dict[str, object]] = []
        report: dict[str, object] = {
            "recipient": rec.name,
            "decision": str(decision),
            "albums": album_docs,
            "photos": photo_docs,
        }
        for album in albums:
            changed = lib.decide_album(album.id, rec.name, decision)
            why = lib.explain_album(album.id, rec.name)
            album_docs.append(
                {
                    "album": album.name,
                    "path": str(album.path),
                    "changed": changed,
                    "effective": why.explanation,
                }
            )
            if not args.json:
                print(f"{album.name}: {why.explanation}{'' if changed else ' (unchanged)'}")
        if fingerprints:
            lib.decide_photos(fingerprints, rec.name, decision)
            for fp, target in fingerprints.items():
                why = lib.explain(fp, rec.name)
                photo_docs.append(
                    {"path": target, "fingerprint": fp, "effective": why.explanation, "allowed": why.allowed}
                )
                if not args.json:
                    print(f"{target}: {why.explanation}")
        if args.json:
            _json_out(report)
    return EXIT_OK


@plain_errors
def cmd_status(args: argparse.Namespace) -> int:
    with _open(args, readonly=True) as lib:
        try:
            doc = lib.status(args.recipient)
        except LibraryError as exc:
            return _usage(exc)
    if args.json:
        _json_out(doc)
    else:
        photos = doc["photos"]
        print(f"Library {doc['home']}: {photos['files']} photo files ({photos['distinct']} distinct)")  # type: ignore[index]
        if doc["problems"]:
            print(f"  {doc['problems']} files could not be imported (unsupported or unreadable)")
        for rec in doc["recipients"]:  # type: ignore[attr-defined]
            label = policy_label(rec["policy"])
            print(f"{rec['name']} (policy {label}): may receive {rec['allowed']} photos")
            for a in rec["albums"]:
                print(f"  {a['album']:<40} {a['allowed']:>6} / {a['total']:<6} allowed")
    notice = doc["keyring"]["notice"]  # type: ignore[index]
    if notice:
        _err(notice)
    return EXIT_OK


# -- recipients -------------------------------------------------------------------------------------


@plain_errors
def cmd_recipients(args: argparse.Namespace) -> int:
    action = getattr(args, "action", None)
    with _open(args, readonly=action is None) as lib:
        try:
            if action == "add":
                lib.add_recipient(args.name, args.policy)
            elif action == "remove":
                lib.remove_recipient(args.name)
            elif action == "rename":
                lib.rename_recipient(args.old, args.new)
            elif action == "policy":
                lib.set_recipient_policy(args.name, args.policy)
        except LibraryError as exc:
            return _usage(exc)
        rows = [{"name": r.name, "policy": r.policy, "created": r.created} for r in lib.recipients()]
    if args.json:
        _json_out({"recipients": rows})
    else:
        for r in rows:
            print(f"{r['name']}  (policy {policy_label(r['policy'])})")
        if not rows:
            print("No recipients. Add one with: photo-consent recipients add NAME --policy minimal")
    return EXIT_OK


# -- ledger -----------------------------------------------------------------------------------------


@plain_errors
def cmd_ledger(args: argparse.Namespace) -> int:
    with _open(args, readonly=True) as lib:
        entries = lib.ledger_entries()
        check = lib.verify_ledger() if args.verify else None
        notice = lib.keyring_notice
    if args.json:
        doc: dict[str, object] = {
            "entries": [{"id": e.id, "signed": e.signed, "mac": e.mac, **e.data()} for e in entries]
        }
        if check is not None:
            doc["verify"] = check.to_json()
        _json_out(doc)
    else:
        for e in entries:
            d = e.data()
            kind, recipient, what = describe(d)
            mark = "" if e.signed else "  [unsigned]"
            who = f" ({recipient})" if recipient else ""
            print(f"#{e.id} {d.get('when', '?')} {kind}{who}: {what}{mark}")
        if check is not None:
            if check.ok:
                print(f"Ledger verified: {check.checked} entries intact.")
            elif check.first_bad is not None:
                print(
                    f"Ledger verification FAILED at entry #{check.first_bad} ({check.kind}): {check.reason}"
                )
            else:
                print(f"Ledger verification FAILED ({check.kind}): {check.reason}")
    if check is not None and check.notice:
        _err(check.notice)
    if notice:
        _err(notice)
    return EXIT_FAILED if check is not None and not check.ok else EXIT_OK


# -- export by consent ------------------------------------------------------------------------------


@plain_errors
def export_for_recipient(args: argparse.Namespace) -> int:
    from core.pipeline.export import ExportError

    only_new = bool(getattr(args, "only_new", False))
    with _open(args) as lib:
        try:
            before = lib.already_sent(args.recipient)
            zip_output = bool(getattr(args, "zip", False))
            job = lib.export_job(args.recipient, Path(args.out), zip_output=zip_output, only_new=only_new)
            result = drive(job)
        except (LibraryError, ExportError) as exc:
            return _usage(exc)
    skipped = before.sent if only_new else 0
    if args.json:
        _json_out({**result.to_json(), "recipient": args.recipient, "already_sent_skipped": skipped})  # type: ignore[attr-defined]
    else:
        if only_new and before.sent:
            print(before.sentence + " Those were left out (--only-new).")
        if only_new and not before.new:
            print(f"Nothing new to send to {args.recipient}: every photo it may receive was sent before.")
        else:
            from core.pipeline.file_counts import of_exported

            # Photos counted as the window counts them, with the files they are where the two differ.
            count = of_exported(result.exported).words()  # type: ignore[attr-defined]
            print(f"Exported {count} for {args.recipient} into {result.out}")  # type: ignore[attr-defined]
        for w in result.withheld:  # type: ignore[attr-defined]
            print(f"  withheld {os.fsencode(w.source).decode(errors='replace')}: {w.reason}")
    return EXIT_FAILED if result.withheld else EXIT_OK  # type: ignore[attr-defined]


# -- exposure report --------------------------------------------------------------------------------


@plain_errors
def cmd_report(args: argparse.Namespace) -> int:
    """What the recipient would learn from everything it receives, next to an all-access upload."""
    from core.report.exposure import report_job
    from core.report.words import to_text

    with _open(args, readonly=True) as lib:
        try:
            lib.recipient(args.recipient)
        except LibraryError as exc:
            return _usage(exc)

        def show(p: object) -> None:
            if not args.json and sys.stderr.isatty():
                message = getattr(p, "message", "")
                print(f"\r{message[:78]:<78}", end="", file=sys.stderr)

        try:
            report = drive(report_job(lib, args.recipient), show)
        except PolicyError as exc:
            return _usage(exc)
        if not args.json and sys.stderr.isatty():
            print(file=sys.stderr)
    if getattr(args, "html", None):
        from core.report.html import write_html

        target = Path(args.html)
        try:
            write_html(report, target)
        except OSError as exc:
            _err(f"photo-consent: cannot write {target}: {exc.strerror or exc}")
            return EXIT_FAILED
        if not args.json:
            _err(f"Wrote the report to {target}")
    if args.json:
        _json_out(report.to_json())
    else:
        print(to_text(report))
    return EXIT_OK


# -- wiring -----------------------------------------------------------------------------------------


def add_library_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "import", help="add folders (with their sub-folders as albums) or single photos (or rescan them)"
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("folders", nargs="+", metavar="FOLDER|PHOTO")
    p.set_defaults(func=cmd_import)

    for verb, text in (
        ("allow", "let a recipient receive these albums or photos"),
        ("deny", "never send these albums or photos to a recipient"),
        ("inherit", "remove the decision: follow the album (or parent album)"),
    ):
        p = sub.add_parser(verb, help=text)
        p.add_argument("--json", action="store_true")
        p.add_argument("--recipient", required=True, metavar="NAME")
        p.add_argument(
            "targets", nargs="+", metavar="TARGET", help="an album (folder path or name) or a file"
        )
        p.set_defaults(func=cmd_decide, decision={"allow": "allowed", "deny": "denied"}.get(verb, verb))

    p = sub.add_parser("status", help="how many photos each recipient may receive, per album")
    p.add_argument("--json", action="store_true")
    p.add_argument("--recipient", metavar="NAME")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("recipients", help="list, add, rename or remove recipients")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_recipients, action=None)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    a = actions.add_parser("add", help="add a recipient")
    a.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    a.add_argument("name", metavar="NAME")
    a.add_argument("--policy", default="minimal", metavar="NAME|FILE")
    a = actions.add_parser("remove", help="remove a recipient and its decisions")
    a.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    a.add_argument("name", metavar="NAME")
    a = actions.add_parser("rename", help="rename a recipient")
    a.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    a.add_argument("old", metavar="OLD")
    a.add_argument("new", metavar="NEW")
    a = actions.add_parser("policy", help="change a recipient's policy")
    a.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    a.add_argument("name", metavar="NAME")
    a.add_argument("policy", metavar="NAME|FILE")

    p = sub.add_parser("ledger", help="the history of consent changes and exports")
    p.add_argument("--json", action="store_true")
    p.add_argument("--verify", action="store_true", help="check the signature chain")
    p.set_defaults(func=cmd_ledger)

    p = sub.add_parser("report", help="what a recipient would learn from everything it receives")
    p.add_argument("--json", action="store_true")
    p.add_argument("--recipient", required=True, metavar="NAME")
    p.add_argument("--html", metavar="FILE", help="also write the report as one self-contained web page")
    p.set_defaults(func=cmd_report)
