"""The folder tree tells the architecture (docs/architecture.md), and the code keeps to it.

- import-linter's contracts ([tool.importlinter] in pyproject.toml): doors → step forms → workflow →
  queries → policy → calendar → models, never back; the doors do not import each other; reference data
  knows nothing of the suggestions;
- no import cycle between any two modules of the project, counting imports inside functions too;
- docs/architecture.md names every package of the tree.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "accounts",
    "config",
    "delegates",
    "departments",
    "devtools",
    "imports",
    "notifications",
    "reports",
    "suggestions",
)


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().split("contracts:")[-1].replace("0 broken", "")


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), over the module imports."""
    modules = sorted(
        m for m in graph.modules if not m.split(".")[-1] == "migrations" and ".migrations." not in m
    )
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def edges(module: str) -> list[str]:
        targets = graph.find_modules_directly_imported_by(module)
        # Importing a package's name for one of its submodules (`from pkg import sub`) is not a use of
        # the package's __init__ re-exports; grimp records both, keep the submodule.
        return sorted(t for t in targets if t in index or t in modules)

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for m in modules:
        if m not in index:
            visit(m)
    return found


def test_no_module_imports_itself_back():
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_the_architecture_doc_names_every_package():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = sorted(
        str(p.parent.relative_to(ROOT)) + "/"
        for p in ROOT.glob("*/**/__init__.py")
        if p.parent.name not in {"migrations", "management", "commands", "templatetags", "tests"}
        and not any(part in {".venv", "tests", "node_modules"} for part in p.parts)
        and p.parent.relative_to(ROOT).parts[0] in PACKAGES
    )
    missing = [p for p in packages if f"`{p}`" not in doc]
    assert missing == []
