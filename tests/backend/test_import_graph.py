"""Imports between backend packages run one way: pages/api → services → models and the engine.

Each top-level package (or top-level module) of `backend/` is a node; an import of
`backend.X` from inside package Y is an edge Y → X. The graph must have no cycle, and no
package may import one from a higher layer below.
"""

import ast
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[2] / "backend"

# Bottom to top. A package may import packages of its own layer or of lower layers only.
LAYERS: list[set[str]] = [
    {"config", "vocab"},
    {"db", "validation", "highlight", "snippet", "engine", "templating", "outgoing_mail", "timefmt"},
    {"errors"},
    {"deps", "forms", "audit"},
    {"accounts"},
    {"notifications"},
    {"postings"},
    {"matching"},
    {"pairings"},
    {"follow"},
    {"challenges"},
    {"documents"},
    {
        "needs",
        "results",
        "workspace",
        "ops",
        "dashboard",
        "transfer",
        "home",
        "demo",
        "security",
        "models",
        "questions",
    },
    {"serve", "main"},
]


def _node(path: Path) -> str:
    rel = path.relative_to(BACKEND).parts
    return rel[0].removesuffix(".py")


def import_edges(root: Path = BACKEND) -> dict[tuple[str, str], set[str]]:
    """(importer, imported) → the files where the importer does it."""
    edges: dict[tuple[str, str], set[str]] = {}
    for path in root.rglob("*.py"):
        here = _node(path) if root == BACKEND else path.relative_to(root).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [
                    f"{node.module}.{a.name}" if node.module == "backend" else node.module for a in node.names
                ]
            for name in names:
                parts = name.split(".")
                if parts[0] == "backend" and len(parts) > 1 and parts[1] != here:
                    edges.setdefault((here, parts[1]), set()).add(str(path.relative_to(root)))
    return edges


def cycles(edges: dict[tuple[str, str], set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _layer(name: str) -> int:
    for i, layer in enumerate(LAYERS):
        if name in layer:
            return i
    raise AssertionError(f"backend/{name} is in no layer of {__file__}: add it where it belongs")


def test_no_cycle_between_backend_packages() -> None:
    assert cycles(import_edges()) == []


def test_imports_run_from_higher_layers_to_lower_ones() -> None:
    upward = [
        f"{a} → {b} in {sorted(files)}"
        for (a, b), files in sorted(import_edges().items())
        if _layer(b) > _layer(a)
    ]
    assert upward == []


def test_every_backend_package_has_a_layer() -> None:
    for path in BACKEND.iterdir():
        if path.name.startswith("_") or path.name == "__pycache__":
            continue
        if path.is_dir() or path.suffix == ".py":
            _layer(path.name.removesuffix(".py"))


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a/x.py": "from backend.b import y\n", "b/y.py": "import backend.a.x\n"}, [["a", "b"]]),
        ({"a/x.py": "from backend.b import y\n", "b/y.py": "from backend.c import z\n"}, []),
        ({"a.py": "from backend import b\n", "b/y.py": "from backend.a import f\n"}, [["a", "b"]]),
    ],
)
def test_the_check_sees_a_cycle(tmp_path: Path, files: dict[str, str], expected: list[list[str]]) -> None:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    assert cycles(import_edges(tmp_path)) == expected
