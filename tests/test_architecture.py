"""The layer rules of DESIGN.md, checked by parsing every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT

OUR_PACKAGES = {"core", "models", "handlers", "conversations", "channels", "web", "bot"}
ALLOWED = {
    "models": {"models"},
    "core": {"core", "models"},
    "handlers": {"handlers", "conversations", "core", "models"},
    "conversations": {"conversations", "core", "models"},
    "channels": {"channels", "handlers", "conversations", "core", "models"},
    "web": {"web", "core", "models"},
    "migrations": {"core", "models"},
}
FRAMEWORKS_KEPT_OUT_OF_CORE = {"telegram", "aiohttp"}


def _modules() -> list[Path]:
    return [p for folder in ALLOWED for p in sorted((PROJECT_ROOT / folder).rglob("*.py"))]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_layout_has_every_layer() -> None:
    for folder in ["core", "models", "handlers", "conversations", "channels", "knowledge", "locales", "migrations"]:
        assert (PROJECT_ROOT / folder).is_dir(), folder
    assert (PROJECT_ROOT / "channels" / "shell.py").is_file()


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_imports_follow_the_layer_rules(path: Path) -> None:
    layer = path.relative_to(PROJECT_ROOT).parts[0]
    ours = {name for name in _imports(path) if name.split(".")[0] in OUR_PACKAGES}
    forbidden = {name for name in ours if name.split(".")[0] not in ALLOWED[layer]}
    assert not forbidden, f"{path.name} ({layer}) must not import {sorted(forbidden)}"
    if layer in {"core", "models", "handlers", "conversations"}:
        frameworks = {n for n in _imports(path) if n.split(".")[0] in FRAMEWORKS_KEPT_OUT_OF_CORE}
        assert not frameworks, f"{path.name} must stay free of {sorted(frameworks)}"


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "channels").rglob("*.py")), ids=lambda p: p.name)
def test_channels_do_not_import_each_other(path: Path) -> None:
    own = path.relative_to(PROJECT_ROOT / "channels").parts[0].removesuffix(".py")
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "channels" and len(parts) > 1:
            assert parts[1] == own, f"{path.name} imports another channel: {name}"
