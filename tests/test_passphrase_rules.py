"""Rules around the passphrase: a command that gives it sees no other secret, a passphrase
file others can read is warned about, and a new passphrase has 10 characters or more (asked
again on a terminal, as is a mistyped confirmation)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crmctl.store import create_database, open_database

from conftest import PASSPHRASE

CRMCTL = Path(sys.executable).with_name("crmctl")
NEW = "新的口令 new 2026"
TEN_CHINESE = "一二三四五六七八九十"  # 10 characters, 30 bytes


def opens_with(db: Path, secret: str) -> bool:
    try:
        open_database(db, secret.encode()).close()
        return True
    except Exception:  # noqa: BLE001
        return False


def listing(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}


@pytest.fixture
def terminal(terminal, monkeypatch):
    """conftest's terminal, with no passphrase in the environment either."""
    monkeypatch.delenv("CRMCTL_PASSPHRASE", raising=False)
    return terminal


# --- the passphrase command's environment --------------------------------------------------

def test_passphrase_command_sees_neither_secret_variable(initialized, tmp_path, db_path):
    seen = tmp_path / "seen.txt"
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret_file.chmod(0o600)
    command = (f'echo "${{CRMCTL_NEW_PASSPHRASE-unset}}|${{CRMCTL_PASSPHRASE-unset}}|'
               f'${{CRMCTL_DB-unset}}" > "{seen}"; cat "{secret_file}"')
    result = initialized("rekey", env={"CRMCTL_PASSPHRASE_CMD": command,
                                       "CRMCTL_PASSPHRASE": "set but not used",
                                       "CRMCTL_NEW_PASSPHRASE": NEW})
    assert result.exit_code == 0, result.stderr
    assert seen.read_text() == f"unset|unset|{db_path}\n"  # the rest of the environment stays
    assert opens_with(db_path, NEW)


# --- a passphrase file others can read ---------------------------------------------------

@pytest.mark.parametrize("mode, warned", [(0o644, True), (0o640, True), (0o604, True),
                                          (0o600, False), (0o400, False)])
def test_passphrase_file_readable_by_others_warns_once(initialized, tmp_path, mode, warned):
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret_file.chmod(mode)
    result = initialized("add", "王明", env={"CRMCTL_PASSPHRASE": None,
                                             "CRMCTL_PASSPHRASE_FILE": str(secret_file)})
    assert result.exit_code == 0 and result.stdout.strip().isdigit()
    assert result.stderr == (f"warning: {secret_file} is readable by others; chmod 600 it\n"
                             if warned else "")


@pytest.mark.e2e
def test_passphrase_file_warning_from_the_installed_command(initialized, tmp_path, db_path):
    """The installed command, as cron runs it: one warning line, then the command's own."""
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret_file.chmod(0o644)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CRMCTL_DB": str(db_path),
           "CRMCTL_PASSPHRASE_FILE": str(secret_file),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    done = subprocess.run([str(CRMCTL), "list"], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stderr == (f"warning: {secret_file} is readable by others; chmod 600 it\n"
                           "no customers match\n")


# --- a new passphrase: 10 characters or more ------------------------------------------------

@pytest.mark.parametrize("secret, count", [("1", "1 character"), ("123456789", "9 characters"),
                                           ("一二三四五六七八九", "9 characters")])
def test_init_refuses_a_short_passphrase(cli, db_path, secret, count):
    result = cli("init", env={"CRMCTL_PASSPHRASE": secret})
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", f"crmctl: the new passphrase from CRMCTL_PASSPHRASE is too short ({count}); "
               "use at least 10\n")
    assert list(db_path.parent.iterdir()) == []


def test_init_counts_characters_not_bytes(cli, db_path):
    result = cli("init", env={"CRMCTL_PASSPHRASE": TEN_CHINESE})
    assert result.exit_code == 0, result.stderr
    assert opens_with(db_path, TEN_CHINESE)


def test_init_refuses_a_short_passphrase_file(cli, tmp_path, db_path):
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text("short\n", encoding="utf-8")
    secret_file.chmod(0o600)
    result = cli("init", env={"CRMCTL_PASSPHRASE": None,
                              "CRMCTL_PASSPHRASE_FILE": str(secret_file)})
    assert (result.exit_code, result.stderr) == (
        1, "crmctl: the new passphrase from CRMCTL_PASSPHRASE_FILE is too short "
           "(5 characters); use at least 10\n")
    assert not db_path.exists()


@pytest.mark.parametrize("args", [["rekey"], ["backup", "b.db", "--new-passphrase"]])
def test_rekey_and_backup_refuse_a_short_new_passphrase(initialized, tmp_path, db_path, args):
    assert initialized("add", "王明").exit_code == 0
    before = listing(tmp_path)
    result = initialized(*[tmp_path / a if a.endswith(".db") else a for a in args],
                         env={"CRMCTL_NEW_PASSPHRASE": "秘密"})
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "crmctl: the new passphrase from CRMCTL_NEW_PASSPHRASE is too short "
               "(2 characters); use at least 10\n")
    assert listing(tmp_path) == before
    assert opens_with(db_path, PASSPHRASE)


def test_an_existing_short_passphrase_still_opens_and_can_be_changed(cli, db_path):
    create_database(db_path, b"old").close()  # made before the rule
    env = {"CRMCTL_PASSPHRASE": "old"}
    assert cli("add", "王明", env=env).exit_code == 0
    assert "王明" in cli("list", "--format", "csv", env=env).stdout
    rekeyed = cli("rekey", env={**env, "CRMCTL_NEW_PASSPHRASE": NEW})
    assert rekeyed.exit_code == 0, rekeyed.stderr
    assert opens_with(db_path, NEW) and not opens_with(db_path, "old")


# --- on a terminal: asked again ---------------------------------------------------------

def test_init_on_a_terminal_asks_again_after_a_short_one(cli, terminal, db_path):
    answers, asked = terminal
    answers.extend(["short", PASSPHRASE, PASSPHRASE])
    result = cli("init")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"too short: at least 10 characters; try again\ncreated {db_path}\n"
    assert asked == ["Passphrase: ", "Passphrase: ", "Passphrase (again): "]
    assert opens_with(db_path, PASSPHRASE)


def test_init_on_a_terminal_asks_again_after_a_mistyped_confirmation(cli, terminal, db_path):
    answers, asked = terminal
    answers.extend([PASSPHRASE, PASSPHRASE + "x", PASSPHRASE, PASSPHRASE])
    result = cli("init")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"the two entries differ; try again\ncreated {db_path}\n"
    assert len(asked) == 4 and opens_with(db_path, PASSPHRASE)


def test_init_on_a_terminal_gives_up_after_three_short_ones(cli, terminal, db_path):
    answers, asked = terminal
    answers.extend(["a", "bb", "ccc"])
    result = cli("init")
    assert (result.exit_code, result.stderr) == (
        1, "too short: at least 10 characters; try again\n" * 2
           + "crmctl: the new passphrase from the prompt is too short (3 characters); "
             "use at least 10\n")
    assert len(asked) == 3 and not db_path.exists()


def test_rekey_on_a_terminal_asks_again(initialized, terminal, db_path):
    answers, asked = terminal
    # the current passphrase, then a short new one, then a mistyped pair, then a good pair
    answers.extend([PASSPHRASE, "short", NEW, NEW + "!", NEW, NEW])
    result = initialized("rekey")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ("too short: at least 10 characters; try again\n"
                             "the two entries differ; try again\n"
                             "passphrase changed; use the new one from now on\n")
    assert asked == ["Passphrase: "] + ["New passphrase: "] + ["New passphrase: ",
                                                                "New passphrase (again): "] * 2
    assert opens_with(db_path, NEW) and not opens_with(db_path, PASSPHRASE)
