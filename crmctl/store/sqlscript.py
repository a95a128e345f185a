"""Running a migration's SQL script statement by statement inside the caller's transaction,
so that the migration and its version bump commit together (see migrations.migrate)."""

from __future__ import annotations


def run_statements(conn, migration) -> None:
    # executescript() would COMMIT the open transaction first; run statement by statement
    # instead so the migration and its version bump stay in one transaction.
    class _Splitter:
        def executescript(self, script: str) -> None:
            for statement in split(script):
                conn.execute(statement)

        def execute(self, *args):
            return conn.execute(*args)

        def executemany(self, *args):
            return conn.executemany(*args)

    migration(_Splitter())


def split(script: str) -> list[str]:
    from sqlcipher3 import dbapi2

    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if dbapi2.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
