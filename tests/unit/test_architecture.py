"""The package's layers, checked on its source: dependencies point one way, nothing circles.

numerics (data, models, train, landscape, hardness, overparam, pruning, compute, validation)
<- experiments <- views; the exercises use numerics and experiments, never views; nothing
outside views imports ipywidgets or plotly; runtime (set-up, environment) imports no other layer. A ``__main__`` module is a command line, not a library module: it may call upwards
(``python -m hardtrain.pruning precompute`` runs the experiments' command).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hardtrain

PKG = Path(hardtrain.__file__).resolve().parent
MAX_LINES = 550  # past this a module says at the top of its docstring why it is one module ("Size:")


def _name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _imports(name: str, path: Path, module_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    if module_level_only:  # also the imports inside module-level if/try blocks
        nodes = [n for top in tree.body for n in ast.walk(top)
                 if not isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    out = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            for a in node.names:  # "from . import lab1" imports a module
                if f"{mod}.{a.name}" in MODULES:
                    out.add(f"{mod}.{a.name}")
    return out


def _layer(name: str) -> str:
    parts = name.split(".")
    if len(parts) == 1:
        return "package"
    top = parts[1]
    if top in ("views", "experiments", "exercises"):
        return top
    if top in ("runtime", "environment", "config"):
        return "runtime"
    return "numerics"


FORBIDDEN = {  # layer -> hardtrain layers and outside packages it must not import
    "numerics": ({"views", "experiments", "exercises"}, ("ipywidgets", "plotly")),
    "runtime": ({"views", "experiments", "exercises", "numerics"}, ("ipywidgets", "plotly")),
    "exercises": ({"views"}, ("ipywidgets", "plotly")),
    "experiments": ({"views"}, ("ipywidgets", "plotly")),
}


@pytest.mark.parametrize("name", [n for n in MODULES if _layer(n) in FORBIDDEN and not n.endswith("__main__")])
def test_imports_point_down_the_layers(name):
    layer = _layer(name)
    layers, outside = FORBIDDEN[layer]
    bad = sorted(m for m in _imports(name, MODULES[name])
                 if (m.startswith("hardtrain.") and _layer(m) in layers) or m.split(".")[0] in outside)
    assert not bad, f"{name} ({layer}) imports {bad}"


def test_no_import_circle_among_module_level_imports():
    graph = {n: {m for m in _imports(n, p, module_level_only=True) if m in MODULES and m != n}
             for n, p in MODULES.items()}
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
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
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import circles: {cycles}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_long_modules_say_why(name):
    path = MODULES[name]
    lines = path.read_text(encoding="utf-8").count("\n")
    if lines > MAX_LINES:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "Size:" in doc, (f"{name} has {lines} lines; split it, or say at the top of its docstring "
                                "('Size: ...') why it is one module")
