"""The dependency rules of app/ (README "Development"), read from the source so they stay true.

web -> signing -> keys, store, chain; web -> auth. chain imports nothing else of app; the devnet
imports only chain; the store never imports web, signing or auth; signing and keys never import
FastAPI, Starlette or app.web. FastAPI, Starlette and Jinja2 are imported only under app/web/, by
app/main.py, and by the devnet's own server.
"""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
WEB_FRAMEWORKS = ("fastapi", "starlette", "jinja2")

# part -> the parts of app it may import (its own modules always allowed)
ALLOWED: dict[str, set[str]] = {
    "chain": set(),
    "devnet": {"chain"},
    "keys": {"chain"},
    "store": {"clock"},
    "observability": {"errors"},
    "auth": {"config", "permissions", "errors", "clock", "store", "chain", "keys", "secretref"},
    "signing": {"keys", "store", "chain", "config", "errors", "permissions", "clock", "observability", "secretref"},
    "config": {"chain", "keys", "permissions", "secretref", "signing"},  # keys' and signing's settings models
}
MAY_IMPORT_WEB_FRAMEWORK = ("web", "main", "devnet")


def _modules() -> list[Path]:
    return sorted(p for p in APP.rglob("*.py"))


def _part(path: Path) -> str:
    relative = path.relative_to(APP)
    return relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 else relative.stem


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _app_parts(names: set[str]) -> set[str]:
    return {name.split(".")[1] for name in names if name.startswith("app.") and len(name.split(".")) > 1}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(APP)))
def test_each_part_imports_only_what_it_may(path: Path) -> None:
    part = _part(path)
    if part not in ALLOWED:
        return  # web, cli, main, services and the top-level modules of shared vocabulary
    used = _app_parts(_imports(path)) - {part}
    assert used <= ALLOWED[part], f"{path.relative_to(APP)} imports {sorted(used - ALLOWED[part])}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(APP)))
def test_only_web_main_and_devnet_import_fastapi_or_starlette(path: Path) -> None:
    frameworks = {name for name in _imports(path) if name.split(".")[0] in WEB_FRAMEWORKS}
    if _part(path) not in MAY_IMPORT_WEB_FRAMEWORK:
        assert not frameworks, f"{path.relative_to(APP)} imports {sorted(frameworks)}"


def test_the_devnet_shares_nothing_with_the_service_web_layer() -> None:
    for path in (APP / "devnet").rglob("*.py"):
        assert not _app_parts(_imports(path)) - {"devnet", "chain"}, path


def test_every_part_says_what_it_owns_and_may_import() -> None:
    for init in APP.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc, f"{init.relative_to(APP)} has no docstring"


def test_app_keeps_a_handful_of_top_level_modules_and_small_files() -> None:
    top = [p.name for p in APP.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert len(top) <= 8, top
    for path in _modules():
        lines = len(path.read_text().splitlines())
        assert lines <= 400, f"{path.relative_to(APP)} has {lines} lines"


def test_no_module_level_mutable_state_outside_constants() -> None:
    """Module-level names bound to a mutable container must be UPPER_CASE constants that no code mutates."""
    for path in _modules():
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                value = node.value
                mutable = isinstance(value, ast.Dict | ast.List | ast.Set) or (
                    isinstance(value, ast.Call)
                    and getattr(value.func, "id", "") in ("dict", "list", "set", "OrderedDict")
                )
                for target in targets:
                    if mutable and isinstance(target, ast.Name):
                        assert target.id.isupper() or target.id == "__all__", f"{path.relative_to(APP)}: {target.id}"
