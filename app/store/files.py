"""The SQLite store's files on disk: created for their owner only, refused when others can reach them.

The database, its -wal and -shm files hold stored sign answers and the audit rows. SQLite gives a
new -wal and -shm file the database file's own mode, so creating the database file 0600 before
SQLite opens it keeps all three private whatever the umask. An existing file that group or others
may read or write is refused rather than fixed: someone may already have read it, and an operator
should know.
"""

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
LOCK_DIR_MODE = 0o700
_OTHERS = stat.S_IRWXG | stat.S_IRWXO
SIDE_FILES = ("-wal", "-shm")


class StoreSetupError(Exception):
    """The store cannot be opened safely; the message names the path and the reason, never a secret."""


def _check_private(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if mode & _OTHERS:
        raise StoreSetupError(
            f"{path} is readable or writable by group or others (mode {stat.S_IMODE(mode):04o}); "
            f"the store holds signed transactions and the audit log: chmod {'700' if path.is_dir() else '600'} it"
        )


def _create_private(path: Path) -> None:
    """Create path empty with mode 0600 unless it exists (SQLite takes an empty file for a new database)."""
    try:
        # O_EXCL: never follow a link planted at the path; another worker creating it first is fine.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)


def prepare_sqlite_file(database: str) -> None:
    """Make database's lock folder and file for their owner only, or raise StoreSetupError.

    The folder that holds the database must exist: a typo in database_url should stop the service,
    not put the store somewhere nobody backs up.
    """
    path = Path(database)
    if not path.parent.is_dir():
        raise StoreSetupError(f"database_url: the folder {path.parent} does not exist (create it, mode 0700)")
    locks = Path(database + ".locks")
    locks.mkdir(mode=LOCK_DIR_MODE, exist_ok=True)  # the account lock files
    _check_private(locks)
    _create_private(path)
    for candidate in (path, *(Path(database + suffix) for suffix in SIDE_FILES)):
        _check_private(candidate)
