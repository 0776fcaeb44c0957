"""The SQLite store's files are private to the service's user: created 0600, refused when others can reach them."""

import asyncio
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from app.cli import main as cli
from app.config import parse_config
from app.store import Store, StoreSetupError
from app.web.app import create_app
from tests.helpers import make_config

AUDIT_KEY = b"k" * 32
KEY = ("http://node.test", "tbnb1account")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which SQLite alone creates its files 0644."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


async def _written_store(path: Path) -> Store:
    store = await Store.open(f"sqlite:///{path}", audit_key=AUDIT_KEY)
    await store.sequences.load(KEY, account_number=7, sequence=0, force=True)  # a commit: -wal and -shm exist
    return store


async def test_a_new_store_its_wal_and_shm_are_readable_by_their_owner_only(tmp_path, umask_022) -> None:
    path = tmp_path / "signer.db"
    store = await _written_store(path)
    try:
        for name in ("signer.db", "signer.db-wal", "signer.db-shm"):
            assert _mode(tmp_path / name) == 0o600, name
        assert _mode(tmp_path / "signer.db.locks") == 0o700
    finally:
        await store.close()


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
@pytest.mark.parametrize("mode", [0o644, 0o620, 0o604])
async def test_a_store_file_others_can_reach_is_refused_naming_it(tmp_path, suffix, mode) -> None:
    path = tmp_path / "signer.db"
    await (await _written_store(path)).close()
    target = Path(f"{path}{suffix}")
    target.touch()  # SQLite removes -wal and -shm at its last close; a crashed service leaves them
    target.chmod(mode)
    with pytest.raises(StoreSetupError) as caught:
        await Store.open(f"sqlite:///{path}", audit_key=AUDIT_KEY)
    assert str(target) in str(caught.value) and "chmod 600" in str(caught.value)
    assert _mode(target) == mode  # reported, not silently fixed


async def test_a_lock_folder_others_can_reach_is_refused(tmp_path) -> None:
    path = tmp_path / "signer.db"
    (tmp_path / "signer.db.locks").mkdir(mode=0o755)
    (tmp_path / "signer.db.locks").chmod(0o755)
    with pytest.raises(StoreSetupError, match="chmod 700"):
        await Store.open(f"sqlite:///{path}", audit_key=AUDIT_KEY)


async def test_a_missing_folder_is_named_not_created(tmp_path) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(StoreSetupError) as caught:
        await Store.open(f"sqlite:///{missing / 'signer.db'}", audit_key=AUDIT_KEY)
    assert str(missing) in str(caught.value)
    assert not missing.exists()


async def test_the_service_does_not_start_on_a_world_readable_store(tmp_path, caplog) -> None:
    path = tmp_path / "signer.db"
    await (await _written_store(path)).close()
    path.chmod(0o644)
    config = parse_config({**make_config(), "database_url": f"sqlite:///{path}"}, base_dir=tmp_path)
    app = create_app(config)
    with caplog.at_level(logging.ERROR, logger="app.web"), pytest.raises(StoreSetupError):
        async with app.router.lifespan_context(app):
            pass
    assert f"cannot start: {path} is readable or writable by group or others (mode 0644)" in caplog.text


async def _close_new_store(path: Path) -> None:
    await (await _written_store(path)).close()


def test_audit_cli_refuses_a_world_readable_store_with_a_message(tmp_path, capsys) -> None:
    path = tmp_path / "signer.db"
    asyncio.run(_close_new_store(path))  # the CLI runs its own event loop
    path.chmod(0o640)
    config_file = tmp_path / "config.yml"
    config_file.write_text(yaml.safe_dump({**make_config(), "database_url": f"sqlite:///{path}"}))
    with pytest.raises(SystemExit) as exited:
        cli.main(["audit", "verify", "--config", str(config_file)])
    assert exited.value.code == 2
    assert f"cannot open the store: {path} is readable or writable" in capsys.readouterr().err
