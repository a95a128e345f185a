"""The package's layers, read from its source (AST): no import cycle, no upward import, and
few function-local imports of crmctl's own modules.

Contract: leaf modules (errors, clock, spreadsheet, pinyin) < store < core < render < cli. A lower
layer never imports a higher one, so the store can be read (and tested) without the core,
and the core is a Python API without the command line. A cycle, or a local import that
dodges one, means a shared helper belongs lower down."""

from __future__ import annotations

import ast
from pathlib import Path

import crmctl

PACKAGE = Path(crmctl.__file__).parent
LAYERS = {"crmctl": 0, "crmctl.errors": 0, "crmctl.clock": 0, "crmctl.spreadsheet": 0,
          "crmctl.pinyin": 0,
          "crmctl.i18n": 0,
          "crmctl.store": 1, "crmctl.core": 2, "crmctl.render": 3, "crmctl.cli": 4,
          "crmctl.__main__": 5}
# Function-local imports of crmctl's own modules that are there on purpose (file: why).
LOCAL_IMPORTS_ALLOWED = 15


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str):
    """(imported module, is it function-local, line) for each crmctl import of ``name``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            if target == "crmctl" or target.startswith("crmctl."):
                yield target, id(node) not in top, node.lineno


def _layer(name: str) -> int:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if name == prefix or (prefix != "crmctl" and name.startswith(prefix + ".")):
            return LAYERS[prefix]
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS")


def test_no_module_imports_a_higher_layer():
    upward = [f"{name}:{line} imports {target}"
              for name in MODULES for target, _local, line in _imports(name)
              if _layer(target) > _layer(name)]
    assert upward == []


def test_no_import_cycle():
    graph = {name: {t for t, _local, _line in _imports(name) if t in MODULES and t != name}
             for name in MODULES}
    # a package's __init__ that re-exports its submodules is not a cycle with them
    for name in graph:
        graph[name] -= {n for n in graph[name] if name.startswith(n + ".")}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert cycles == []


def test_few_function_local_imports_of_crmctl():
    local = sorted({f"{name}:{line}" for name in MODULES
                    for _target, is_local, line in _imports(name) if is_local})
    assert len(local) < LOCAL_IMPORTS_ALLOWED, "\n".join(local)


def test_no_module_over_400_lines():
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}
