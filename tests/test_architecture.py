"""The layer rules of DESIGN.md, checked by parsing every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT

OUR_PACKAGES = {"core", "models", "handlers", "conversations", "channels", "web", "bot", "fakes", "tests"}
ALLOWED = {
    "models": {"models"},
    "core": {"core", "models"},
    "handlers": {"handlers", "conversations", "core", "models"},
    "conversations": {"conversations", "core", "models"},
    "channels": {"channels", "handlers", "conversations", "core", "models"},
    "web": {"web", "core", "models"},
    "migrations": {"core", "models"},
    "fakes": {"fakes"},
    "benchmarks": {"core", "models", "handlers", "conversations", "channels", "web", "bot", "fakes"},
}
# Inside core: language knows nothing of the rest; knowledge builds on language; delivery carries
# messages and knows no helpdesk (tickets are not its business); helpdesk may use them all.
CORE_ALLOWED = {
    "language": {"language"},
    "knowledge": {"knowledge", "language", "media"},
    "delivery": {"delivery"},
    "helpdesk": {"helpdesk", "knowledge", "language", "delivery", "media"},
    "media": {"media"},
    "access": {"access"},
    "stats": {"stats", "helpdesk", "language"},
}
CHANNEL_NAMES = {"telegram", "zalo", "shell"}  # "sms" is also a checklist step and an OTP word
HANDLERS_A_CHANNEL_MAY_USE = {"handlers.router", "handlers.context", "handlers.runtime"}
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


def _core_package(path: Path) -> str | None:
    parts = path.relative_to(PROJECT_ROOT).parts
    return parts[1] if parts[0] == "core" and len(parts) > 2 else None


@pytest.mark.parametrize(
    "path", sorted((PROJECT_ROOT / "core").rglob("*.py")), ids=lambda p: str(p.relative_to(PROJECT_ROOT))
)
def test_core_packages_follow_their_rules(path: Path) -> None:
    package = _core_package(path)
    used = {name.split(".")[1] for name in _imports(path) if name.startswith("core.") and name.count(".") >= 2}
    used &= set(CORE_ALLOWED)
    if package is not None:
        assert used <= CORE_ALLOWED[package], (
            f"core.{package} must not import core.{sorted(used - CORE_ALLOWED[package])}"
        )


def _names_imported_from(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == module
        for alias in node.names
    }


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "core" / "delivery").rglob("*.py")), ids=lambda p: p.name)
def test_the_outbox_knows_no_ticket(path: Path) -> None:
    assert not {"Ticket", "TicketEvent"} & _names_imported_from(path, "models"), path.name
    assert "models.ticket" not in _imports(path)


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "web").rglob("*.py")), ids=lambda p: p.name)
def test_web_reaches_tickets_only_through_the_helpdesk(path: Path) -> None:
    assert not {"Ticket", "TicketEvent"} & _names_imported_from(path, "models"), path.name
    assert "models.ticket" not in _imports(path)


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "channels").rglob("*.py")), ids=lambda p: p.name)
def test_channels_use_only_the_router_context_and_runtime_of_handlers(path: Path) -> None:
    used = {name for name in _imports(path) if name.split(".")[0] == "handlers"}
    assert used <= HANDLERS_A_CHANNEL_MAY_USE, f"{path.name} imports {sorted(used - HANDLERS_A_CHANNEL_MAY_USE)}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_channel_name_is_tested_outside_channels(path: Path) -> None:
    """Outside channels/ (and bot.py, which composes them) no code names a channel: what differs is
    declared by each sender's capabilities. Migrations describe old data and are exempt."""
    layer = path.relative_to(PROJECT_ROOT).parts[0]
    if layer in {"channels", "migrations", "benchmarks", "fakes"}:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    literals = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert not literals & CHANNEL_NAMES, f"{path.name} names a channel: {sorted(literals & CHANNEL_NAMES)}"


def test_benchmarks_do_not_import_the_tests() -> None:
    for path in sorted((PROJECT_ROOT / "benchmarks").glob("*.py")):
        assert not any(name.split(".")[0] == "tests" for name in _imports(path)), path.name


HELPER_MODULES = {"tests.fixtures", "tests.processes", "tests.browser", "tests.dashboard"}


def test_tests_share_helpers_only_through_the_helper_modules() -> None:
    """Shared helpers live in `tests/fixtures.py` (and `tests/processes.py` for bot.py processes,
    `tests/browser.py` for Chromium, `tests/dashboard.py` for web logins), never in conftest or another
    test module."""
    for path in sorted((PROJECT_ROOT / "tests").glob("*.py")):
        shared = {name for name in _imports(path) if name.split(".")[0] == "tests"}
        assert shared <= HELPER_MODULES, f"{path.name} imports {sorted(shared)}"
