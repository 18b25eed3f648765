"""The layers, read from the source: web -> services -> models and the document engine.

Each layer lists what it may import (an allow-list), so a new module or a moved folder is
checked too; the blueprints come from the app itself. Imports inside functions count.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
STDLIB = sys.stdlib_module_names | {"__future__"}

# Which parts of the portal, and which third-party packages, each layer may import. The keys
# cover every module under portal/ (test_every_module_belongs_to_a_layer).
LAYERS = {
    "portal.config": (set(), set()),
    "portal.extensions": ({"portal.models.base"}, {
        "flask", "flask_babel", "flask_login", "flask_migrate", "flask_sqlalchemy", "flask_wtf"}),
    "portal.database": ({"portal.models"}, {"sqlalchemy", "limits", "psycopg"}),
    "portal.labels": ({"portal.models"}, {"flask_babel"}),
    "portal.tasks": (set(), {"flask", "huey"}),
    "portal.cli": ({"portal.services", "portal.models", "portal.extensions", "portal.tasks"},
                   {"click", "flask", "sqlalchemy"}),
    "portal.app": ({"portal"}, {"flask"}),
    "portal.documents": ({"portal.documents"}, {
        "pyhanko", "pyhanko_certvalidator", "asn1crypto", "cryptography", "typst", "segno",
        "jinja2", "markupsafe", "fontTools"}),
    "portal.models": ({"portal.models", "portal.documents.contract"}, {"sqlalchemy"}),
    "portal.services": ({"portal.services", "portal.models", "portal.documents",
                         "portal.extensions", "portal.database", "portal.labels",
                         "portal.tasks"}, {
        "flask", "flask_babel", "sqlalchemy", "markupsafe", "babel", "cryptography",
        "pyhanko", "pyhanko_certvalidator", "argon2", "zxcvbn", "pyotp", "segno",
        "email_validator", "itsdangerous", "huey"}),
    "portal.web": ({"portal.web", "portal.services", "portal.models", "portal.extensions",
                    "portal.database", "portal.labels"}, {
        "flask", "flask_babel", "flask_login", "flask_wtf", "flask_limiter", "wtforms",
        "werkzeug", "sqlalchemy", "cryptography"}),
}
# Names a service may not take from Flask: the request belongs to the web layer.
REQUEST_STATE = {"request", "session", "g", "current_user", "login_user", "logout_user"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, set[str], bool]]:
    """(module, names, inside a function) for every import, relative ones made absolute."""
    tree = ast.parse(path.read_text())
    package = _module_name(path) if path.name == "__init__.py" else \
        _module_name(path).rpartition(".")[0]
    functions = [fn for fn in ast.walk(tree)
                 if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)]
    inner = {id(node) for fn in functions for node in ast.walk(fn)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            found.append((module, {a.name for a in node.names}, id(node) in inner))
        elif isinstance(node, ast.Import):
            found.extend((a.name, set(), id(node) in inner) for a in node.names)
    return found


def _layer_modules(layer: str) -> list[Path]:
    relative = layer.removeprefix("portal.").replace(".", "/")
    folder = PORTAL / relative
    modules = sorted(folder.rglob("*.py")) if folder.is_dir() else \
        [p for p in [PORTAL / f"{relative}.py"] if p.exists()]
    assert modules, f"{layer} has no modules: did it move?"
    return modules


def test_every_module_belongs_to_a_layer():
    covered = {path for layer in LAYERS for path in _layer_modules(layer)}
    assert set(PORTAL.rglob("*.py")) - covered == {PORTAL / "__init__.py"}


@pytest.mark.parametrize("layer", list(LAYERS))
def test_each_layer_imports_only_what_it_may(layer):
    portal_allowed, packages = LAYERS[layer]
    for path in _layer_modules(layer):
        for module, names, _inner in _imports(path):
            top = module.split(".")[0]
            where = f"{path.relative_to(ROOT)} imports {module}"
            if top == "portal":
                assert any(module == p or module.startswith(p + ".") for p in portal_allowed) \
                    or (module == "portal" and names <= {m.split(".")[-1] for m in
                                                         portal_allowed}), where
            else:
                assert top in STDLIB or top in packages, where
            if layer == "portal.services" and top == "flask":
                assert not names & REQUEST_STATE, f"{where}: {names & REQUEST_STATE}"


def test_views_never_commit_and_never_reach_the_engine():
    """Not even through a name another module imported from the engine (a re-export)."""
    for path in _layer_modules("portal.web"):
        tree = ast.parse(path.read_text())
        commits = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
                   and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"]
        assert not commits, f"{path.relative_to(ROOT)} commits on line {commits}"
        for module, names, _inner in _imports(path):
            assert not module.startswith("portal.documents"), path
            if not module.startswith("portal."):
                continue
            imported = importlib.import_module(module)
            for name in names:
                origin = _origin(getattr(imported, name))
                assert not origin.startswith("portal.documents"), \
                    f"{path.relative_to(ROOT)} imports {name} from {module}, made in {origin}"


def _origin(value) -> str:
    """The module a class, function or module was defined in ("" for plain values)."""
    if inspect.ismodule(value):
        return value.__name__
    return getattr(value, "__module__", None) or ""


def test_every_blueprint_lives_in_the_web_layer_and_is_registered(app):
    registered = {bp.import_name for bp in app.blueprints.values()}
    assert registered, "no blueprints"
    for import_name in registered:
        assert import_name.startswith("portal.web."), import_name
    # every package under portal/web that defines a blueprint is one the app registers
    defined = {_module_name(path) for path in _layer_modules("portal.web")
               if "Blueprint(" in path.read_text()}
    assert defined == registered


def test_models_and_the_engine_import_without_flask_and_patch_nothing():
    """In a fresh interpreter: the import graph itself, not just the lines we read."""
    script = textwrap.dedent("""
        import sys
        import portal.models
        import portal.documents.contract.pdf, portal.documents.contract.signatures
        import portal.documents.pades.signing, portal.documents.pades.validation
        from portal.documents.pades import speedups
        loaded = sorted({n.split(".")[0] for n in sys.modules if n.startswith("flask")})
        assert not loaded, loaded
        assert not speedups.installed(), "importing the engine patched pyHanko"
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PORTAL.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        edges = set()
        for module, names, _inner in _imports(path):
            # "from a import b" is an edge to the module a.b if there is one, else to a
            submodules = {f"{module}.{n}" for n in names} & modules.keys()
            targets = submodules or ({module} if module in modules else set())
            if names - {t.rpartition(".")[2] for t in submodules} and module in modules:
                targets.add(module)
            edges |= targets - {name}
        graph[name] = edges
    return graph


def test_no_import_cycles():
    graph = _graph()
    cycles = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert cycles == []


def test_imports_sit_at_the_top_unless_they_say_which_cycle_they_break():
    for path in PORTAL.rglob("*.py"):
        lines = path.read_text().splitlines()
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(fn):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        assert "# cycle:" in lines[node.lineno - 1], \
                            f"{path.relative_to(ROOT)}:{node.lineno} imports inside a function"


def test_modules_stay_small():
    for path in PORTAL.rglob("*.py"):
        text = path.read_text()
        assert text.count("\n") <= 400 or "one unit" in text.split("\n", 1)[0], path
