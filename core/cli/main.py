# SPDX-License-Identifier: GPL-3.0-or-later
"""The photo command line: inspect, preview and export files (the library commands are in
core.cli.library). The desktop app uses the same core.

Exit codes: 0 all done; 1 some files failed or were withheld (each with a reason), or the export stopped
(a full destination); 2 usage error. With --json a command prints exactly one JSON document on stdout;
messages go to stderr. One bad file never stops the others: each is reported on its own.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core import __version__
from core.model.categories import LABELS, Category
from core.model.inventory import Inventory, Item, display_path, human_size
from core.pipeline.inspection import inspect_path

# Start-up is most of the time of a command on a few photos: each command imports what it needs when it
# runs (inspect needs neither the policies nor the export, nor worker processes for one photo).
if TYPE_CHECKING:
    from core.imaging.faces import Face
    from core.model.policy import Policy
    from core.model.preview import Preview
    from core.pipeline.description import Consent

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _consents_for_paths(home: Path | None, recipient: str, paths: Sequence[str]) -> list[Consent]:
    """The consent of each file for a library recipient (files outside the library are private)."""
    from core.library.consent import consent_of
    from core.library.service import LibraryError, LibraryService
    from core.pipeline.description import Consent

    out: list[Consent] = []
    with LibraryService.open(home) as lib:
        for path in paths:
            try:
                out.append(consent_of(lib.explain(lib.fingerprint_of(path), recipient)))
            except LibraryError:
                out.append(Consent(False, "this file is not in the library"))
    return out


def _print_json(doc: object) -> None:
    import json

    # ASCII escapes keep the output valid whatever the file names hold (a non-UTF-8 name round-trips
    # through Python's json as the surrogate-escaped path that opens the file). One dumps() of the whole
    # document runs the C encoder; dump() to a stream would run the pure-Python one, chunk by chunk.
    sys.stdout.write(json.dumps(doc, ensure_ascii=True) + "\n")


def _plain(text: str) -> str:
    """Text any terminal encoding takes: a file name that is not valid UTF-8 (surrogate escapes inside
    Python) is shown with a replacement mark instead of failing the command."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _say(text: str) -> None:
    print(_plain(text))


def _err(message: str) -> None:
    print(_plain(message), file=sys.stderr)


def _display(path: str) -> str:
    return display_path(path)


def _item_lines(items: Sequence[Item], reasons: dict[int, str] | None = None) -> list[str]:
    lines: list[str] = []
    by_cat: dict[Category, list[tuple[int, Item]]] = {}
    for n, item in enumerate(items):
        by_cat.setdefault(item.category, []).append((n, item))
    for cat in Category:
        if cat not in by_cat:
            continue
        lines.append(f"  {LABELS[cat]}:")
        for n, item in by_cat[cat]:
            value = item.value if len(item.value) <= 80 else item.value[:77] + "..."
            extra = f" — {reasons[n]}" if reasons and n in reasons else ""
            lines.append(f"    {item.name} = {value}  [{item.where}, {human_size(item.bytes)}]{extra}")
    return lines


def _faces_for(path: Path) -> tuple[list[Face], str]:
    from core.imaging import faces
    reason = faces.detector_status()
    if reason:
        return [], reason
    try:
        return faces.detect_path(path), ""
    except faces.FaceDetectionUnavailable as exc:
        return [], str(exc)
    except Exception as exc:  # noqa: BLE001 - a decode failure is reported per file
        return [], f"face detection failed: {exc}"


def _inspect_doc(name: str, faces: bool) -> tuple[dict[str, object], list[Item], bool]:
    try:
        return _inspect_one(name, faces)
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the others
        return _failed_doc(name, f"internal error while reading: {exc!r}")


def _failed_doc(name: str, error: str) -> tuple[dict[str, object], list[Item], bool]:
    doc = Inventory(path=name, format="", size=0, error=error).to_json()
    doc["path"] = _display(name)
    return doc, [], False


def _inspect_one(name: str, faces: bool) -> tuple[dict[str, object], list[Item], bool]:
    inv: Inventory = inspect_path(name)
    doc = inv.to_json()
    doc["path"] = _display(inv.path)
    if faces and inv.ok:
        found, reason = _faces_for(Path(name))
        if reason:
            doc["status"], doc["error"] = "error", reason
            inv.error = reason
        else:
            from core.imaging.faces import face_items

            inv.items.extend(face_items(found))
            doc["items"] = [i.to_json() for i in inv.items]
            doc["faces"] = [{"box": [f.x, f.y, f.w, f.h], "score": round(f.score, 3)} for f in found]
    return doc, inv.items, inv.ok


def _rendered(name: str, faces: bool, as_json: bool) -> tuple[str, bool]:
    """One file's part of the output, ready to print (its JSON object, or its lines of text), and
    whether it was read. Rendered where it was read: a worker process sends back one string, not the
    inventory's objects to pickle and encode again in the parent."""
    doc, items, ok = _inspect_doc(name, faces)
    return _render(doc, items, ok, as_json), ok


def _render(doc: dict[str, object], items: list[Item], ok: bool, as_json: bool) -> str:
    if as_json:
        import json

        return json.dumps(doc, ensure_ascii=True)  # ASCII: see _print_json
    size = doc["size"] if isinstance(doc["size"], int) else 0
    lines = [f"{doc['path']}: {doc['format'] or 'unknown format'}, {human_size(size)}"]
    if not ok:
        lines.append(f"  error: {doc['error']}")
        if items:  # what was read before the damage; the file is still never exported
            lines.append("  read before the damage (partial):\n" + "\n".join(_item_lines(items)))
    else:
        lines.append(f"  {doc['width']}×{doc['height']}")
        lines.append("\n".join(_item_lines(items)))
    return "\n".join(lines)


def _forks() -> bool:
    """Whether worker processes can be forked here (imported only for a batch that would use them)."""
    from core.pipeline.workers import can_fork

    return can_fork()


def _prepare_workers(names: Sequence[str], sample: int = 16) -> None:
    """Import the format handlers the first files need, here, before worker processes are forked from
    this one: each worker would otherwise import them (and the metadata readers) again by itself."""
    from core.formats import handler_for

    for name in names[:sample]:
        try:
            if not os.path.isfile(name):
                continue  # a folder or a pipe: its own read says so (and a pipe is never waited on here)
            with open(name, "rb") as fh:
                handler_for(fh.read(64))
        except OSError:
            continue  # the file's own read reports it


def _inspect_all(names: Sequence[str], faces: bool, as_json: bool) -> Iterator[tuple[str, bool]]:
    """Each file's rendered output, in order. Many files are read in worker processes: the structural
    walk is CPU-bound and holds the GIL, so processes are what uses both cores."""
    if len(names) >= 8 and not faces and _forks():
        from concurrent.futures import BrokenExecutor

        from core.pipeline.workers import process_pool

        _prepare_workers(names)
        done = 0
        with process_pool(min(os.cpu_count() or 1, 4)) as pool:
            try:
                n = len(names)
                for out in pool.map(_rendered, names, [faces] * n, [as_json] * n, chunksize=8):
                    done += 1
                    yield out
            except BrokenExecutor:
                # A worker died (a crash in a native decoder): the files it had are reported, not
                # retried here, where the same crash would take the whole command down.
                for name in names[done:]:
                    doc, items, ok = _failed_doc(
                        name, "the inspection stopped unexpectedly on this file or one near it"
                    )
                    yield _render(doc, items, ok, as_json), ok
    else:
        for name in names:
            yield _rendered(name, faces, as_json)


def cmd_inspect(args: argparse.Namespace) -> int:
    parts = []
    failed = False
    for text, ok in _inspect_all(args.files, args.faces, args.json):
        failed |= not ok
        if args.json:
            parts.append(text)
        else:
            _say(text)
    if args.json:
        # The same document as json.dumps({"files": [...]}), joined from the files' own parts.
        sys.stdout.write('{"files": [' + ", ".join(parts) + "]}\n")
    return EXIT_FAILED if failed else EXIT_OK


def resolve_policy(args: argparse.Namespace) -> tuple[Policy, str | None]:
    from core.model.policy import load_policy

    if getattr(args, "recipient", None):
        from core.cli.library import policy_for_recipient

        return policy_for_recipient(args.home, args.recipient), args.recipient
    if not args.policy:
        raise UsageError("give --policy NAME|FILE or --recipient NAME")
    return load_policy(args.policy), None


def _preview_one(path: Path, policy: Policy, index: int) -> Preview:
    from core.model.jobs import TooComplex, time_budget
    from core.model.preview import Preview
    from core.pipeline.inspection import describe_os_error, open_readonly
    from core.pipeline.preview import plan_file

    faces: list[Face] = []
    reason = ""
    if policy.blurs_faces:
        faces, reason = _faces_for(path)
    try:
        with time_budget(), open_readonly(path) as (data, st):
            preview = plan_file(path, data, st, policy, index=index, faces=faces).preview
    except OSError as exc:
        preview = Preview.failed(str(path), policy, describe_os_error(exc))
    except TooComplex as exc:
        preview = Preview.failed(str(path), policy, str(exc))
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the others
        preview = Preview.failed(str(path), policy, f"internal error while planning: {exc!r}")
    if reason and not preview.error:
        preview.error = reason
    return preview


def cmd_preview(args: argparse.Namespace) -> int:
    from core.pipeline import preview_words

    policy, recipient = resolve_policy(args)
    previews = [_preview_one(Path(f), policy, n) for n, f in enumerate(args.files, start=1)]
    consents = _consents_for_paths(args.home, recipient, args.files) if recipient else []
    if args.json:
        docs = []
        for n, p in enumerate(previews):
            doc = p.to_json()
            doc["path"] = _display(p.path)
            doc["summary"] = [fact.to_json() for fact in preview_words.summary_of(p)]
            if motion := preview_words.motion_video_json(p):  # a motion photo's video, with its own facts
                doc["motion_video"] = motion
            if consents:
                doc["consent"] = consents[n].to_json()
            docs.append(doc)
        _print_json({"files": docs})
    else:
        from core.model.policy import policy_label

        for n, p in enumerate(previews):
            _say(f"{_display(p.path)} → {p.output_name or '(not exported)'}  [policy {policy_label(policy)}]")
            consent = consents[n] if consents else None
            _say("\n".join(preview_words.text_lines(p, consent, recipient or "")))
    return EXIT_FAILED if any(p.error for p in previews) else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    if args.recipient:
        if args.files:
            raise UsageError("with --recipient, the photos come from the library's consent; give no FILE")
        from core.cli.library import export_for_recipient

        return export_for_recipient(args)
    if getattr(args, "only_new", False):
        raise UsageError("--only-new needs --recipient NAME (what was sent is known per recipient)")
    if not args.policy:
        raise UsageError("give --policy NAME|FILE with FILE..., or --recipient NAME")
    if not args.files:
        raise UsageError("give the FILEs to export")
    from core.model.jobs import drive
    from core.model.policy import load_policy, policy_label
    from core.pipeline.export import ExportError, export_job
    from core.pipeline.pairs import pairs_of_files

    policy = load_policy(args.policy)
    sources = [Path(f) for f in args.files]
    if len(sources) >= 4:  # the export cleans many files in worker processes forked from this one
        _prepare_workers(args.files)

    def progress(p: object) -> None:
        if not args.json:
            _err(f"[{p.done}/{p.total}] {p.message}")  # type: ignore[attr-defined]

    try:
        live = pairs_of_files(sources)  # Live Photos among the files: the movie follows its still
        job = export_job(
            sources, policy, Path(args.out), zip_output=args.zip, parallel="process", live_pairs=live
        )
        result = drive(job, progress)
    except ExportError as exc:
        _err(f"photo-consent: {exc}")
        return EXIT_FAILED
    if args.json:
        _print_json(result.to_json())
    else:
        label = policy_label(policy)
        _say(f"Exported {len(result.exported)} file(s) to {_display(result.out)} with policy {label}.")
        for w in result.withheld:
            _say(f"  withheld {_display(w.source)}: {w.reason}")
        if result.receipt_path:
            _say(f"Receipt: {_display(result.receipt_path)}")
    if result.error:
        _err(f"photo-consent: {result.error}")
    return EXIT_FAILED if result.withheld or result.error else EXIT_OK


# Commands that work on files alone: they start faster without loading the library (SQL, keyring, crypto).
FILE_COMMANDS = ("inspect", "preview", "export")


def build_parser(*, with_library: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="photo-consent",
        description="See exactly what your photos would reveal, decide who gets what, export only that.",
        epilog=(
            "Without a command, photo-consent opens the desktop app (its View menu picks a light or dark "
            "theme; --home DIR opens another library)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"photo-consent {__version__}")
    parser.add_argument(
        "--home",
        type=Path,
        default=Path(os.environ["PHOTO_CONSENT_HOME"]) if os.environ.get("PHOTO_CONSENT_HOME") else None,
        help="where the library database and caches live (env PHOTO_CONSENT_HOME)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("inspect", help="list everything a file carries")
    p.add_argument("--json", action="store_true")
    p.add_argument("--faces", action="store_true", help="also detect faces in the pixels")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("preview", help="what would leave and what would stay under a policy")
    p.add_argument("--json", action="store_true")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--policy", metavar="NAME|FILE")
    g.add_argument("--recipient", metavar="NAME")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_preview)

    p = sub.add_parser("export", help="write cleaned, verified copies and a receipt")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--zip", action="store_true", help="write one zip with neutral entry names")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--policy", metavar="NAME|FILE")
    g.add_argument("--recipient", metavar="NAME")
    p.add_argument("--only-new", action="store_true", help="with --recipient: only photos not sent to it yet")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.set_defaults(func=cmd_export)

    if with_library:
        from core.cli.library import add_library_commands

        add_library_commands(sub)
    return parser


def _command_word(argv: Sequence[str]) -> str:
    words = iter(argv)
    for word in words:
        if word == "--home":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    word = _command_word(argv)
    # `--version` alone needs no command at all: it answers before the library's are even built.
    parser = build_parser(with_library=word not in FILE_COMMANDS and not (word == "" and "--version" in argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except UsageError as exc:
        _err(f"photo-consent: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("photo-consent: interrupted")
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader went away (`photo-consent status | head`): stop quietly, as other tools do, and
        # point stdout at nothing so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as exc:
        from core.model.policy import PolicyError  # imported by the commands that read a policy

        if isinstance(exc, PolicyError):
            _err(f"photo-consent: {exc}")
            return EXIT_USAGE
        raise


if __name__ == "__main__":
    sys.exit(main())
