"""Shared fixtures. Tests never touch the real data dir or keyring: every test gets its own
CRMCTL_DB under tmp_path, a passphrase from the environment, and an in-memory keyring."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import keyring
import pytest
from hypothesis import settings
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from typer.testing import CliRunner

PASSPHRASE = "correct horse 电池 staple"

# Hypothesis: `make test` runs the "test" profile, `make check` sets HYPOTHESIS_PROFILE=check.
# A property test that names its own count wraps it in examples(n): all n under "check", a
# quarter (at least 50) under "test", where the import fast-path tests alone cost ~10 s.
settings.register_profile("test", max_examples=50)
settings.register_profile("check", max_examples=200)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "test")
settings.load_profile(HYPOTHESIS_PROFILE)


def examples(n: int) -> int:
    """A property test's max_examples under the profile in force (see above)."""
    return n if HYPOTHESIS_PROFILE == "check" else max(50, n // 4)


# Every test's files live under pytest's base temp. On a disk, each commit crmctl makes costs
# a few fsyncs (synchronous=FULL, and a WAL checkpoint at close): ~4 ms each here, most of a
# CLI test's time. Under a private directory on /dev/shm (a tmpfs, RAM: nothing to sync) the
# same code runs, the same syscalls are made, and they return at once; nothing a test checks
# depends on data reaching a platter. CRMCTL_TEST_TMP=disk (or --basetemp) keeps the default.
_TMPFS = Path("/dev/shm")


def _tmpfs_room() -> bool:
    try:
        stat = os.statvfs(_TMPFS)
    except OSError:
        return False
    return os.access(_TMPFS, os.W_OK) and stat.f_bavail * stat.f_frsize > 1 << 30  # 1 GB


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if (config.option.basetemp or hasattr(config, "workerinput")  # xdist workers: under ours
            or os.environ.get("CRMCTL_TEST_TMP") == "disk" or not _tmpfs_room()):
        return
    import tempfile

    config.option.basetemp = config._crmctl_tmpfs = tempfile.mkdtemp(prefix="crmctl-tests-",
                                                                      dir=_TMPFS)


def pytest_unconfigure(config):
    made = getattr(config, "_crmctl_tmpfs", None)
    if made:
        shutil.rmtree(made, ignore_errors=True)


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if (service, username) not in self.store:
            raise PasswordDeleteError("not found")
        del self.store[(service, username)]


class FailingKeyring(KeyringBackend):
    """A keyring that raises on every call, as one over ssh or under cron does."""

    priority = 1

    def get_password(self, service, username):
        raise RuntimeError("no D-Bus session")

    def set_password(self, service, username, password):
        raise RuntimeError("no D-Bus session")

    def delete_password(self, service, username):
        raise RuntimeError("no D-Bus session")


# Key derivation at SQLCipher's 256,000 PBKDF2 iterations costs ~0.16 s per open; the suite
# opens about a thousand databases in-process, so in-process tests derive with a few
# iterations (store.connection.TEST_KDF_ITER, unreachable from the command line or the
# environment). Tests that hand a database to the installed crmctl in a subprocess (marked
# e2e or slow) or check the real derivation (real_kdf) keep the real count.
TEST_KDF_ITER = 2
REAL_KDF_MARKS = frozenset({"e2e", "slow", "real_kdf"})


def _kdf_for(node) -> int | None:
    return None if REAL_KDF_MARKS & {m.name for m in node.iter_markers()} else TEST_KDF_ITER


@pytest.fixture(scope="module", autouse=True)
def module_kdf(request):
    """The count for a module's own fixtures (made before any test's), by its pytestmark."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("crmctl.store.connection.TEST_KDF_ITER", _kdf_for(request.node))
        yield


@pytest.fixture(autouse=True)
def fast_kdf(request, monkeypatch):
    monkeypatch.setattr("crmctl.store.connection.TEST_KDF_ITER", _kdf_for(request.node))


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Point crmctl at a temp database and a fake keyring; clear inherited settings."""
    for name in list(os.environ):
        if name.startswith("CRMCTL_"):
            monkeypatch.delenv(name)
    # English unless a test asks otherwise (a developer's zh_CN shell would change texts)
    for name in ("LC_ALL", "LC_MESSAGES", "COLUMNS", "LINES"):  # widths: as under cron
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("CRMCTL_DB", str(tmp_path / "crm.db"))
    monkeypatch.setenv("CRMCTL_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # holiday dates (core/care.py)
    fake = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(fake)
    yield fake
    keyring.set_keyring(previous)


@pytest.fixture
def terminal(monkeypatch):
    """stdin is a terminal; getpass answers from a list and records the prompts, and fails
    the test on a prompt it has no answer for. Returns (answers, asked)."""
    from crmctl.store import passphrase

    answers: list[str] = []
    asked: list[str] = []
    monkeypatch.setattr(passphrase, "stdin_is_terminal", lambda: True)

    def fake_getpass(prompt=""):
        asked.append(prompt)
        if not answers:
            raise AssertionError(f"unexpected prompt {prompt!r}")
        return answers.pop(0)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    return answers, asked


@pytest.fixture
def pin_clock(monkeypatch):
    """pin_clock(NOW, tz): crmctl's clock (CRMCTL_NOW) and the process time zone, pinned
    for one test and restored after it."""
    import time

    def pin(now: str, tz: str = "Asia/Shanghai") -> None:
        monkeypatch.setenv("TZ", tz)
        monkeypatch.setenv("CRMCTL_NOW", now)
        time.tzset()

    yield pin
    monkeypatch.undo()
    time.tzset()


def inspect_db(read):
    """Open the test's database (CRMCTL_DB) with the test passphrase, return read(conn)."""
    from crmctl.store import open_database

    conn = open_database(os.environ["CRMCTL_DB"], PASSPHRASE.encode())
    try:
        return read(conn)
    finally:
        conn.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "crm.db"


# A new database runs every migration (19 transactions, each synced): ~25-45 ms, more than
# most tests themselves, and a thousand tests start from one. So each worker makes one with
# create_database per (KDF count, passphrase, migrations) and the fixtures copy its file:
# the bytes create_database(...).close() leaves, salt aside. tests/test_fixtures.py checks
# the copy against `crmctl init`'s database; migration tests make their own old databases.
_TEMPLATES: dict[tuple, Path] = {}
_TEMPLATE_DIR: Path | None = None


@pytest.fixture(scope="session", autouse=True)
def _template_dir(tmp_path_factory):
    global _TEMPLATE_DIR
    _TEMPLATE_DIR = tmp_path_factory.mktemp("templates")
    yield
    _TEMPLATES.clear()


def new_database(path: Path | str, key: bytes = PASSPHRASE.encode()) -> None:
    """Put a new, empty, keyed database at path (mode 0600), as create_database(path,
    key).close() does, at the KDF count and with the migrations in force (a test may
    shorten MIGRATIONS): a copy of one made once per worker."""
    from crmctl.store import connection, create_database, migrations

    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    kdf = connection.TEST_KDF_ITER
    made_by = (kdf, key, tuple(migrations.MIGRATIONS))
    template = _TEMPLATES.get(made_by)
    if template is None:
        template = _TEMPLATE_DIR / f"kdf{kdf}-{len(_TEMPLATES)}.db"
        create_database(template, key).close()
        assert not Path(f"{template}-wal").exists()  # the last close checkpoints the WAL
        _TEMPLATES[made_by] = template
    shutil.copyfile(template, path)
    os.chmod(path, 0o600)


@pytest.fixture
def conn(db_path):
    """A fresh, migrated, keyed database connection (core tests): what create_database
    returns (the same command name, no lock held), on a copy of the worker's template."""
    from crmctl.store import open_database

    new_database(db_path)
    connection = open_database(db_path, PASSPHRASE.encode(), command="init", shared_lock=False)
    yield connection
    connection.close()


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="session")
def root_command():
    """crmctl's root click group, built once per worker. typer's CliRunner.invoke(app)
    rebuilds it on every call, and with it the click command of the sub-app that runs
    (~11 ms of a ~18 ms `add`); a crmctl process builds it once, so the tests may too.
    Nothing in it depends on a test's environment: help is translated as it is printed."""
    from typer.main import get_command

    from crmctl.cli import app

    return get_command(app)


@pytest.fixture
def cli(runner, root_command):
    """Run crmctl in-process: cli("add", "王明") -> Result (stdout and stderr apart).
    runner.invoke(app, args), handed the worker's root group instead of building one."""
    import typer.testing

    from crmctl.cli import app

    def invoke(*args, input=None, env=None):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(typer.testing, "_get_command", lambda given: root_command)
            return runner.invoke(app, [str(a) for a in args], input=input, env=env)

    return invoke


def _init_would_use_the_template() -> bool:
    """`crmctl init` here would make the template's database: the test passphrase from the
    environment, and no other source that init would read first."""
    return (os.environ.get("CRMCTL_PASSPHRASE") == PASSPHRASE
            and not os.environ.get("CRMCTL_PASSPHRASE_FILE")
            and not os.environ.get("CRMCTL_PASSPHRASE_CMD")
            and bool(os.environ.get("CRMCTL_DB")))


@pytest.fixture
def initialized(cli):
    """What `crmctl init` leaves (it writes nothing but the new database: no audit row, no
    keyring entry), copied from the worker's template; through init itself otherwise."""
    if _init_would_use_the_template():
        path = Path(os.environ["CRMCTL_DB"])
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        new_database(path)
        return cli
    result = cli("init")
    assert result.exit_code == 0, result.stderr
    return cli
