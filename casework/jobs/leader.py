"""Leader election: exactly one scheduler process works at a time; the others wait.

On PostgreSQL the leader holds a session advisory lock (`pg_try_advisory_lock`) on a
dedicated connection in autocommit mode: the lock lives as long as that connection, so when the
leader dies, however it dies, the server drops the connection and the lock with it. (Not
through PgBouncer in transaction pooling mode: the session would not be ours.)

On SQLite the leader holds an exclusive `fcntl` lock on a file beside the database file
(`casework.sqlite.scheduler-lock`); the operating system releases it when the process dies.

A standby tries again every second, so it takes over about a second after the leader dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

# "casework" read as a 64-bit number: the one advisory lock key this application uses.
ADVISORY_LOCK_KEY = int.from_bytes(b"casework", "big") & 0x7FFF_FFFF_FFFF_FFFF


class Leadership(Protocol):
    description: str

    def acquire(self) -> bool: ...
    def held(self) -> bool: ...
    def release(self) -> None: ...


class PostgresLeadership:
    description = "PostgreSQL session advisory lock"

    def __init__(self, engine: Engine):
        self.engine = engine
        self.connection: Connection | None = None

    def acquire(self) -> bool:
        try:
            if self.connection is None:
                self.connection = self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                )
            got = self.connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            ).scalar()
        except DBAPIError:
            self._drop()
            return False
        return bool(got)

    def held(self) -> bool:
        """Is our connection, and so our lock, still alive?"""
        if self.connection is None:
            return False
        try:
            self.connection.execute(text("SELECT 1"))
        except DBAPIError:
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(DBAPIError):
                self.connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
            self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            try:
                self.connection.invalidate()
                self.connection.close()
            except DBAPIError:
                pass
            self.connection = None


class FileLeadership:
    description = "exclusive lock on a file beside the SQLite database"

    def __init__(self, database_path: str):
        self.path = database_path + ".scheduler-lock"
        self.fd: int | None = None

    def acquire(self) -> bool:
        if self.fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def leadership_for(engine: Engine) -> Leadership:
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine)
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        raise RuntimeError("The scheduler needs PostgreSQL or a SQLite database file.")
    return FileLeadership(os.path.abspath(database))
