# SPDX-License-Identifier: GPL-3.0-or-later
"""The layout of docs/DESIGN.md, enforced: who may import whom, what each package says it owns, and that
nothing cites a document outside the repository.

Imports are read from the syntax tree of every module, so an import inside a function, an
``importlib.import_module("...")`` or an ``__import__("...")`` counts as much as one at the top.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

QT = ("PySide6", "shiboken6", "gui")
UPPER = ("core.pipeline", "core.library", "core.report", "core.cli")


@dataclass(frozen=True, slots=True)
class Rule:
    """Modules under ``package`` never import ``forbidden`` (prefixes: a module and everything below it),
    except their own subpackage and ``allowed``."""

    package: str
    forbidden: tuple[str, ...]
    why: str
    allowed: tuple[str, ...] = ()


RULES: tuple[Rule, ...] = (
    Rule("core", QT, "core is plain Python: the CLI, worker processes and tests run without Qt"),
    Rule(
        "core.model", ("core.",), "the vocabulary imports nothing else from core, so anything may import it"
    ),
    Rule("core.security", ("core.",), "secrets depend on the model at most", allowed=("core.model",)),
    Rule(
        "core.metadata",
        (*UPPER, "core.formats", "core.imaging"),
        "a codec knows nothing of containers or jobs",
    ),
    Rule("core.formats", UPPER, "a format handler parses and cleans one file; the pipeline drives it"),
    Rule("core.imaging", UPPER, "pixels know nothing of the library or the pipeline that uses them"),
    Rule(
        "core.pipeline",
        ("core.library", "core.report", "core.cli"),
        "the library calls the pipeline, not back",
    ),
    Rule("core.library", ("core.report", "core.cli"), "the report and the CLIs sit on top of the library"),
    Rule("core.report", ("core.cli",), "the CLI prints the report, not the other way round"),
    Rule("gui", ("sqlite3",), "the GUI talks to core services, never to the database"),
)

# Imports that break a rule today and are being moved by the restructuring of issue 10, as (importing
# package or module, imported module): the entry covers every module inside the importer, so moving the
# import between modules of one subpackage keeps it covered. The test fails when an entry no longer
# matches any import, so this list only shrinks: delete the line when the import is gone.
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()

CITED_OUTSIDE = re.compile(r"\b(PRODUCT|STYLE)\.md\b|\.\./shared\b")


@dataclass(frozen=True, slots=True)
class Import:
    """One import statement or call: the modules it may load, dotted (for a dynamic name, its literal
    prefix). ``from a.b import c`` may load ``a.b`` or ``a.b.c``, so both are targets."""

    module: str
    targets: tuple[str, ...]
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of ``from <level dots><name> import ...`` inside ``module``."""
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def literal_prefix(node: ast.expr) -> str | None:
    """The module name a dynamic import asks for: a string, or the literal start of an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def imports_in(path: Path, root: Path) -> list[Import]:
    module = module_name(path, root)
    is_package = path.name == "__init__.py"
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [Import(module, (alias.name,), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = resolve(module, is_package, node.level, node.module)
            names = tuple(f"{base}.{alias.name}" for alias in node.names)
            found.append(Import(module, (base, *names), node.lineno))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__"):
                target = literal_prefix(node.args[0])
                if target is not None:
                    found.append(Import(module, (target.rstrip("."),), node.lineno))
    return found


def matches(target: str, prefix: str) -> bool:
    if prefix.endswith("."):
        return target.startswith(prefix)
    return target == prefix or target.startswith(prefix + ".")


def sources(*tops: str) -> list[Path]:
    return sorted(p for top in tops for p in (ROOT / top).rglob("*.py") if ".venv" not in p.parts)


@dataclass(frozen=True, slots=True)
class Violation:
    module: str
    target: str
    line: int
    why: str


def violations(paths: list[Path], root: Path = ROOT) -> list[Violation]:
    """Every import that a rule forbids (once per statement and rule), with the rule's reason."""
    found: list[Violation] = []
    for path in paths:
        for imp in imports_in(path, root):
            own = ".".join(imp.module.split(".")[:2])  # a subpackage may always import itself
            for rule in RULES:
                if not matches(imp.module, rule.package):
                    continue
                exempt = (own, *rule.allowed)
                bad = [
                    t
                    for t in imp.targets
                    if any(matches(t, p) for p in rule.forbidden) and not any(matches(t, e) for e in exempt)
                ]
                if bad:
                    found.append(Violation(imp.module, bad[0], imp.line, rule.why))
    return found


def test_every_import_keeps_to_the_layers() -> None:
    found = violations(sources("core", "gui"))
    new = [f"{v.module}:{v.line} imports {v.target}: {v.why}" for v in found if not known(v)]
    assert new == []
    stale = sorted(entry for entry in KNOWN_VIOLATIONS if not any(known(v, {entry}) for v in found))
    assert stale == [], f"these imports are gone: remove them from KNOWN_VIOLATIONS: {stale}"


def known(
    v: Violation, entries: frozenset[tuple[str, str]] | set[tuple[str, str]] = KNOWN_VIOLATIONS
) -> bool:
    return any(matches(v.module, importer) and v.target == target for importer, target in entries)


# Each case is a module that breaks one rule in one way; the checker must see every one of them.
VIOLATING = {
    "top-level Qt": ("core/model/x.py", "from PySide6.QtCore import QObject\n"),
    "Qt inside a function": ("core/pipeline/x.py", "def f():\n    import shiboken6\n"),
    "gui by import_module": ("core/cli/x.py", "import importlib\nimportlib.import_module('gui.app')\n"),
    "Qt by f-string": (
        "core/cli/x.py",
        "from importlib import import_module\nimport_module(f'PySide6.{n}')\n",
    ),
    "Qt by __import__": ("core/report/x.py", "def f():\n    return __import__('PySide6')\n"),
    "gui by from-import": ("core/library/x.py", "from gui import tasks\n"),
    "relative import upwards": ("core/formats/x.py", "from ..pipeline import export\n"),
    "metadata to library": ("core/metadata/x.py", "from core.library.service import LibraryService\n"),
    "model to anything": ("core/model/x.py", "from core.security import keystore\n"),
    "security to formats": ("core/security/x.py", "import core.formats.jpeg\n"),
    "security to resources": ("core/security/x.py", "from core.resources import resource_path\n"),
    "gui to sqlite": ("gui/views/x.py", "import sqlite3\n"),
}


@pytest.mark.parametrize("case", sorted(VIOLATING))
def test_the_checker_sees_a_violation(case: str, tmp_path: Path) -> None:
    relative, source = VIOLATING[case]
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text(source)
    assert [v.module for v in violations([path], tmp_path)] == [module_name(path, tmp_path)]


ALLOWED = {
    "core/formats/x.py": "from core.model.inventory import Item\nfrom . import jpeg\n"
    "from .jpeg import JpegHandler\nimport importlib\nimportlib.import_module(f'core.formats.{name}')\n"
    "import PIL.Image\n",
    "core/security/x.py": "from core.model.categories import Category\nfrom core.security import keystore\n",
    "core/model/x.py": "from core.model.values import Datum\nfrom . import categories\n",
    "gui/views/x.py": "from PySide6.QtCore import QObject\nfrom core.library.service import LibraryService\n",
}


@pytest.mark.parametrize("relative", sorted(ALLOWED))
def test_allowed_imports_are_not_flagged(relative: str, tmp_path: Path) -> None:
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text(ALLOWED[relative])
    assert violations([path], tmp_path) == []


def packages(*tops: str) -> list[Path]:
    return sorted(p.parent for top in tops for p in (ROOT / top).rglob("__init__.py"))


@pytest.mark.parametrize("package", packages("core", "gui"), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_package_says_what_it_owns(package: Path) -> None:
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
    # A sentence at least: a name or a heading does not say what the package owns.
    assert doc is not None and len(doc.split()) >= 8, f"{package.relative_to(ROOT)}/__init__.py"


def test_nothing_cites_a_document_outside_the_repository() -> None:
    files = [
        *sources("core", "gui", "tests", "benchmarks", "packaging"),
        *sorted((ROOT / "docs").glob("*.md")),
        *sorted((ROOT / "packaging").glob("*.md")),
        ROOT / "README.md",
    ]
    cited = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if CITED_OUTSIDE.search(line)
    ]
    assert cited == []
