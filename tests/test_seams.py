"""The seams hold: what is particular to Docker-in-Docker nodes, or to one kind of engine,
stays in its own module, and the plugin stays in small parts with thin fixtures.

A grep, not a proof: it catches the usual ways such knowledge leaks out (a command line
built around the outer engine's ``exec``, a node container's name, an engine kind
compared as a string). ``docker exec`` *inside* a node's shell, into one of its tasks,
is allowed: any node, however it is reached, can run that.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fixtures"
# The Docker-in-Docker provider, and the engine's own modules (its kinds, its qemu).
ALLOWED = {PACKAGE / "providers" / "dind.py", PACKAGE / "providers" / "dind_seed.py", PACKAGE / "engine.py",
           PACKAGE / "vm.py"}
LEAKS = {
    "a command line around the outer engine's exec": re.compile(r'"exec"'),
    "a node container loaded into by name": re.compile(r'exec -i "\$node"'),
    "a node container's name": re.compile(r"\bnode\.container\b|\.engine_cli\b"),
    "node containers found by their role label": re.compile(r"LABEL_ROLE\}=node"),
    "an engine kind compared as a string": re.compile(r"""\bkind\s*[!=]=|[!=]=\s*["'](?:vm|local)["']"""
                                                      r"""|["'](?:vm|local)["']\s*[!=]="""),
}
MAX_PLUGIN_MODULE_LINES = 200
MAX_FIXTURE_LINES = 10


def sources() -> list[Path]:
    found = [*PACKAGE.rglob("*.py"), *(ROOT / "scenarios").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]
    return sorted(path for path in found if path not in ALLOWED)


@pytest.mark.parametrize("what", sorted(LEAKS))
def test_nothing_outside_its_seam_knows_what_it_should_not(what: str) -> None:
    leaks = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sources()
             for number, line in enumerate(path.read_text().splitlines(), 1) if LEAKS[what].search(line)]
    assert not leaks, f"{what} outside {sorted(str(p.relative_to(ROOT)) for p in ALLOWED)}:\n" + "\n".join(leaks)


def test_every_plugin_module_is_small() -> None:
    sizes = {path.name: len(path.read_text().splitlines()) for path in (PACKAGE / "plugin").glob("*.py")}
    assert max(sizes.values()) < MAX_PLUGIN_MODULE_LINES, sizes


def fixture_lengths() -> dict[str, int]:
    """Fixture name -> lines of its body, docstring left out."""
    tree = ast.parse((PACKAGE / "plugin" / "fixtures.py").read_text())
    lengths = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any("fixture" in ast.unparse(d) for d in node.decorator_list):
            body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body
            lengths[node.name] = body[-1].end_lineno - body[0].lineno + 1  # type: ignore[operator]
    return lengths


def test_fixtures_are_thin() -> None:
    lengths = fixture_lengths()
    assert len(lengths) >= 10, f"the fixtures were not found: {lengths}"
    fat = {name: lines for name, lines in lengths.items() if lines > MAX_FIXTURE_LINES}
    assert not fat, f"fixtures over {MAX_FIXTURE_LINES} lines: {fat}"
