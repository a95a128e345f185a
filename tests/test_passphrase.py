"""Where the passphrase comes from (the contract's order), the keyring as a convenience
only, never waiting without a terminal, and never showing the secret anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import keyring
import pytest

from crmctl.errors import PassphraseError
from crmctl.store import create_database
from crmctl.store import passphrase as pp
from crmctl.store.passphrase import NO_SOURCE_MESSAGE, Passphrase, get_passphrase

from conftest import PASSPHRASE, FailingKeyring

CRMCTL = Path(sys.executable).with_name("crmctl")


def one_line(result) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("CRMCTL_PASSPHRASE", raising=False)


# --- order of the sources --------------------------------------------------------------

def test_order_of_precedence(tmp_path, db_path, monkeypatch, isolated, terminal):
    answers, _ = terminal
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text("from-file\n", encoding="utf-8")
    monkeypatch.setenv("CRMCTL_PASSPHRASE_FILE", str(secret_file))
    monkeypatch.setenv("CRMCTL_PASSPHRASE_CMD", "echo from-command")
    monkeypatch.setenv("CRMCTL_PASSPHRASE", "from-env")
    isolated.set_password(pp.KEYRING_SERVICE, pp.keyring_account(db_path), "from-keyring")
    answers.append("from-prompt")

    def expect(secret, source):
        got = get_passphrase(db_path)
        assert (got.secret.decode(), got.source) == (secret, source)

    expect("from-file", "file")
    monkeypatch.delenv("CRMCTL_PASSPHRASE_FILE")
    expect("from-command", "command")
    monkeypatch.delenv("CRMCTL_PASSPHRASE_CMD")
    expect("from-env", "env")
    monkeypatch.delenv("CRMCTL_PASSPHRASE")
    expect("from-keyring", "keyring")
    isolated.delete_password(pp.KEYRING_SERVICE, pp.keyring_account(db_path))
    expect("from-prompt", "prompt")
    monkeypatch.setattr(pp, "stdin_is_terminal", lambda: False)
    with pytest.raises(PassphraseError, match="no passphrase: set CRMCTL_PASSPHRASE_FILE"):
        get_passphrase(db_path)


def test_file_first_line_only_crlf_stripped(tmp_path, db_path, monkeypatch):
    secret_file = tmp_path / "pw.txt"
    secret_file.write_bytes("王明的 secret\r\nsecond line\r\n".encode())
    monkeypatch.setenv("CRMCTL_PASSPHRASE_FILE", str(secret_file))
    assert get_passphrase(db_path).secret == "王明的 secret".encode()


def test_command_stdout_first_line(db_path, monkeypatch):
    monkeypatch.setenv("CRMCTL_PASSPHRASE_CMD", "printf 'line one\\r\\nline two\\n'")
    assert get_passphrase(db_path).secret == b"line one"


def test_cli_works_with_file_and_command(initialized, tmp_path):
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
    by_file = initialized("add", "王明", env={"CRMCTL_PASSPHRASE": None,
                                              "CRMCTL_PASSPHRASE_FILE": str(secret_file)})
    assert by_file.exit_code == 0, by_file.stderr
    by_cmd = initialized("list", "--format", "csv",
                         env={"CRMCTL_PASSPHRASE": None,
                              "CRMCTL_PASSPHRASE_CMD": f"cat '{secret_file}'"})
    assert by_cmd.exit_code == 0, by_cmd.stderr
    assert "王明" in by_cmd.stdout


def test_failing_command_exit_3_one_line(initialized):
    result = initialized("list", env={"CRMCTL_PASSPHRASE": None,
                                      "CRMCTL_PASSPHRASE_CMD": f"echo {PASSPHRASE} >&2; exit 7"})
    assert result.exit_code == 3
    assert one_line(result) == "crmctl: CRMCTL_PASSPHRASE_CMD failed with exit code 7"
    assert PASSPHRASE not in result.stdout + result.stderr


def test_command_printing_bytes_that_are_not_utf8(initialized):
    result = initialized("list", env={"CRMCTL_PASSPHRASE": None,
                                      "CRMCTL_PASSPHRASE_CMD": r"printf 'ab\377\376cd'"})
    assert result.exit_code == 3
    assert one_line(result) == "crmctl: CRMCTL_PASSPHRASE_CMD printed something that is not UTF-8 text"


@pytest.mark.parametrize("variable, value, message", [
    ("CRMCTL_PASSPHRASE_FILE", "EMPTY", "the passphrase from CRMCTL_PASSPHRASE_FILE is empty"),
    ("CRMCTL_PASSPHRASE_FILE", "MISSING",
     "cannot read CRMCTL_PASSPHRASE_FILE {tmp}/missing.txt: No such file or directory"),
    ("CRMCTL_PASSPHRASE_CMD", "true", "the passphrase from CRMCTL_PASSPHRASE_CMD is empty"),
])
def test_empty_or_unreadable_sources_exit_3(initialized, tmp_path, variable, value, message):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    empty.chmod(0o600)  # (else a warning line comes first)
    value = {"EMPTY": str(empty), "MISSING": str(tmp_path / "missing.txt")}.get(value, value)
    result = initialized("list", env={"CRMCTL_PASSPHRASE": None, variable: value})
    assert result.exit_code == 3
    assert one_line(result) == "crmctl: " + message.format(tmp=tmp_path)


# --- keyring ---------------------------------------------------------------------------

def test_key_remember_then_used_then_forget(initialized, isolated, db_path):
    result = initialized("key", "remember")
    assert result.exit_code == 0, result.stderr
    assert isolated.get_password(pp.KEYRING_SERVICE, pp.keyring_account(db_path)) == PASSPHRASE
    assert initialized("add", "李娜", env={"CRMCTL_PASSPHRASE": None}).exit_code == 0
    forgot = initialized("key", "forget", env={"CRMCTL_PASSPHRASE": None})
    assert forgot.exit_code == 0
    assert isolated.store == {}
    after = initialized("list", env={"CRMCTL_PASSPHRASE": None})
    assert after.exit_code == 3
    assert one_line(after) == "crmctl: " + NO_SOURCE_MESSAGE
    again = initialized("key", "forget")
    assert again.exit_code == 0
    assert "was remembered" in again.stderr


def test_key_remember_refuses_a_wrong_passphrase(initialized, isolated, db_path):
    result = initialized("key", "remember", env={"CRMCTL_PASSPHRASE": "wrong one"})
    assert result.exit_code == 3
    assert one_line(result) == f"crmctl: wrong passphrase for {db_path}"
    assert isolated.store == {}


def test_key_remember_asks_once_on_a_terminal(initialized, isolated, no_env, terminal):
    answers, asked = terminal
    answers.append(PASSPHRASE)
    result = initialized("key", "remember")
    assert result.exit_code == 0, result.stderr
    assert len(asked) == 1
    assert isolated.store


def test_failing_keyring_falls_through_quietly(initialized, no_env, terminal, db_path):
    keyring.set_keyring(FailingKeyring())  # conftest puts the memory keyring back
    answers, asked = terminal
    answers.append(PASSPHRASE)
    result = initialized("add", "王明")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert len(asked) == 1
    remember = initialized("key", "remember", env={"CRMCTL_PASSPHRASE": PASSPHRASE})
    assert remember.exit_code == 1
    assert one_line(remember).startswith("crmctl: no usable keyring here (RuntimeError)")


def test_failing_keyring_without_terminal_exit_3(initialized, no_env):
    keyring.set_keyring(FailingKeyring())
    result = initialized("list")
    assert result.exit_code == 3
    assert one_line(result) == "crmctl: " + NO_SOURCE_MESSAGE


# --- no terminal: never wait -----------------------------------------------------------

def test_no_source_no_terminal_exits_3_at_once(db_path, tmp_path):
    create_database(db_path, PASSPHRASE.encode()).close()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CRMCTL_DB": str(db_path),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    started = time.monotonic()
    done = subprocess.run([str(CRMCTL), "list"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=env, timeout=30)
    elapsed = time.monotonic() - started
    assert done.returncode == 3
    assert done.stderr == "crmctl: " + NO_SOURCE_MESSAGE + "\n"
    assert done.stdout == ""
    assert elapsed < 2.0


# --- the prompt ------------------------------------------------------------------------

def test_init_on_a_terminal_asks_twice(cli, no_env, terminal, db_path):
    answers, asked = terminal
    answers.extend([PASSPHRASE, PASSPHRASE])
    result = cli("init")
    assert result.exit_code == 0, result.stderr
    assert len(asked) == 2
    assert db_path.exists()
    answers.append(PASSPHRASE)
    assert cli("add", "王明").exit_code == 0


def test_init_refuses_differing_entries(cli, no_env, terminal, db_path):
    answers, asked = terminal
    answers.extend(["first 密码 entry", "second 密码 entry"] * 3)  # mistyped three times
    result = cli("init")
    assert result.exit_code == 3
    assert result.stderr == ("the two entries differ; try again\n" * 2
                             + "crmctl: the two passphrases differ; nothing was changed\n")
    assert len(asked) == 6
    assert not db_path.exists()
    assert "密码" not in result.stdout + result.stderr


def test_wrong_prompt_asked_again_three_times(initialized, no_env, terminal, db_path):
    answers, asked = terminal
    answers.extend(["wrong-1", "wrong-2", "wrong-3"])
    result = initialized("list")
    assert result.exit_code == 3
    assert len(asked) == 3
    assert result.stderr.splitlines()[-1] == f"crmctl: wrong passphrase for {db_path}"
    assert "wrong-" not in result.stdout + result.stderr


# --- never shown -----------------------------------------------------------------------

def test_passphrase_never_in_output_of_failing_commands(initialized, db_path):
    initialized("add", "王明", "--email", "wang@example.cn")
    results = [
        initialized("add", "李娜", "--email", "wang@example.cn"),
        initialized("add", "李娜", "--email", "not an email"),
        initialized("show", "999"),
        initialized("edit", "abc", "--name", "x"),
        initialized("list", "--sort", "nonsense"),
        initialized("list", env={"CRMCTL_PASSPHRASE": "a wrong 秘密 one"}),
        initialized("init"),
    ]
    for result in results:
        assert result.exit_code != 0
        text = result.stdout + result.stderr
        assert PASSPHRASE not in text and "电池" not in text and "秘密" not in text


def test_passphrase_never_in_debug_tracebacks(tmp_path, db_path):
    create_database(db_path, PASSPHRASE.encode()).close()
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CRMCTL_DB": str(db_path),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    wrong = "wrong 秘密 passphrase"
    cases = [
        (["--debug", "list"], {"CRMCTL_PASSPHRASE": wrong}, wrong),
        (["--debug", "add", "王明", "--email", "bad"], {"CRMCTL_PASSPHRASE": PASSPHRASE},
         PASSPHRASE),
        (["--debug", "list"], {"CRMCTL_PASSPHRASE_CMD": r"printf 'zq9\377x7'"}, "zq9"),
    ]
    for argv, extra, secret in cases:
        done = subprocess.run([str(CRMCTL), *argv], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, env={**base, **extra}, timeout=30)
        assert done.returncode != 0
        assert "Traceback" in done.stderr  # --debug does show one
        for shown in (secret, secret.encode().hex(), repr(secret.encode())[2:-1]):
            assert shown not in done.stderr + done.stdout, (argv, done.stderr)


def test_passphrase_repr_hides_the_secret():
    p = Passphrase(PASSPHRASE.encode(), "env")
    for text in (repr(p), str(p), f"{p}", repr([p])):
        assert "电池" not in text and "horse" not in text and "\\x" not in text
    assert "env" in repr(p)
