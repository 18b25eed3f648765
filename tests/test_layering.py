"""Imports point one way: blueprints -> services -> models (and documents).

Read from the source, so a violating import fails here before it spreads.
"""

from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"
BLUEPRINTS = ("auth", "account", "organization", "staff", "main")
REQUEST_GLOBALS = {"request", "session", "g", "current_user"}


def _imports(path: Path) -> list[tuple[str, set[str]]]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, {alias.name for alias in node.names}))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, set()) for alias in node.names)
    return found


def _modules(package: str) -> list[Path]:
    return sorted((PORTAL / package).rglob("*.py"))


def test_services_do_not_import_blueprints_or_request_state():
    for path in _modules("services"):
        for module, names in _imports(path):
            assert not module.startswith(tuple(f"portal.{bp}" for bp in BLUEPRINTS)), path
            assert module != "portal.web", path
            if module in ("flask", "flask_login"):
                assert not names & REQUEST_GLOBALS, f"{path} imports {names & REQUEST_GLOBALS}"


def test_models_import_no_services_or_blueprints():
    for path in _modules("models"):
        for module, _names in _imports(path):
            assert not module.startswith("portal.services"), path
            assert not module.startswith(tuple(f"portal.{bp}" for bp in BLUEPRINTS)), path


def test_documents_engine_is_free_of_flask_and_models():
    for path in _modules("documents") if (PORTAL / "documents").exists() else []:
        for module, _names in _imports(path):
            assert not module.startswith(("flask", "portal.models", "portal.services")), path


def test_views_never_commit():
    for bp in BLUEPRINTS:
        for path in _modules(bp):
            assert "session.commit" not in path.read_text(), path
