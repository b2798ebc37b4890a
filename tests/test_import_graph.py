"""The modules of tracee_py form a DAG: no import cycle, counting imports made inside
functions too (they hide a cycle, they do not remove it).

Read with ``ast`` from the sources, nothing imported. An edge goes from a module to each
module of the package it imports: ``from a.b import c`` is an edge to ``a.b.c`` when that
is a module, else to ``a.b``. Importing a submodule also runs its parent packages'
``__init__``; those implicit edges are not counted (a package that re-exports its
submodules would otherwise be a cycle with each of them).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tracee_py"


def _module_name(path: Path, root: Path = PACKAGE.parent) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, modules: set[str], root: Path = PACKAGE.parent) -> set[str]:
    """The package's modules that ``path`` (under ``root``) imports, anywhere in it."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names]
            targets = [t if t in modules else base for t in targets]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # import a.b.c as x: a.b.c, else a.b
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
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

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    graph = import_graph()
    assert "tracee_py.schema" in graph["tracee_py.capture.decode"]
    assert len(graph) > 80
    # A cycle closed by an import inside a function is still a cycle.
    a = "from tracee_py.b import f\n"
    b = "def f():\n    from tracee_py import a\n    return a\n"
    (tmp_path / "tracee_py").mkdir()
    (tmp_path / "tracee_py" / "a.py").write_text(a)
    (tmp_path / "tracee_py" / "b.py").write_text(b)
    modules = {"tracee_py.a", "tracee_py.b"}
    small = {
        f"tracee_py.{n}": _imports(tmp_path / "tracee_py" / f"{n}.py", modules, tmp_path)
        for n in "ab"
    }
    assert small == {"tracee_py.a": {"tracee_py.b"}, "tracee_py.b": {"tracee_py.a"}}
    assert cycles(small) == [["tracee_py.a", "tracee_py.b"]]
    assert cycles({"x": {"y"}, "y": {"z"}, "z": set()}) == []
