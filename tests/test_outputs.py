"""Output paths (issue 13, items 2-4): no output may be the database's files; an existing
file that is not ours needs --force; DIR/ means a file inside it; the format follows the
extension; no plaintext is written anywhere but the destination (no $TMPDIR spill, nothing
left by a kill)."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import pytest

from conftest import PASSPHRASE, inspect_db

# --- helpers ---------------------------------------------------------------------------------


def _seed(cli, tmp_path: Path) -> Path:
    """Two customers (one consenting to email), a campaign targeting them, a small CSV."""
    wang = cli("add", "王明", "--email", "wang@example.cn", "--phone", "13800138000",
               "--note", "=SUM(1)").stdout.strip()
    cli("add", "李娜", "--company", "+1")
    assert cli("consent", wang, "grant", "email").exit_code == 0
    assert cli("campaign", "create", "双十一", "--channel", "email").stdout.strip() == "1"
    assert cli("campaign", "target", "1").exit_code == 0
    source = tmp_path / "in.csv"
    source.write_text("name,phone\n张伟,not a phone\n", encoding="utf-8")
    return source


def _state(tmp_path: Path) -> dict:
    """Every file under tmp_path (but the home dirs) with a hash of its bytes."""
    found = {}
    for path in sorted(tmp_path.rglob("*")):
        if path.is_file() and not path.is_symlink() and "home" not in path.parts \
                and "xdg" not in path.parts:
            found[str(path.relative_to(tmp_path))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _commands(source: Path):
    """Every command that writes an output path, as a function of that path."""
    return {
        "export": lambda p: ("export", "--out", p),
        "import --rejects": lambda p: ("import", source, "--rejects", p),
        "backup": lambda p: ("backup", p),
        "campaign export": lambda p: ("campaign", "export", "1", "--out", p),
    }


# --- 2. no output path can be the database ------------------------------------------------
def _database_targets(tmp_path: Path) -> list[tuple[str, str]]:
    """(path, what the refusal says) for every kind of path that is the database's."""
    db = tmp_path / "crm.db"
    kept = tmp_path / "crm.db.before-restore-20261120-090000"
    kept.write_bytes(db.read_bytes())
    (tmp_path / "to-db.csv").symlink_to(db)
    os.link(db, tmp_path / "hard.csv")
    (tmp_path / "to-wal.csv").symlink_to(tmp_path / "crm.db-wal")  # no WAL exists: dangling
    os.link(kept, tmp_path / "kept-too.db")
    return [
        (str(db), "it is the database"),
        (f"{db}-wal", "it is the database's write-ahead log"),
        (f"{db}-shm", "it is the database's shared-memory file"),
        (f"{db}-journal", "it is the database's journal"),
        (f"{db}.lock", "it is the database's lock file"),
        (f"{db}.lock.gate", "it is the database's lock file"),
        (str(kept), "it is a database kept by restore"),
        (str(tmp_path / "crm.db.before-restore-20990101-000000"),
         "it is a database kept by restore"),
        (str(tmp_path / "to-db.csv"), f"it is the database ({db})"),
        (str(tmp_path / "hard.csv"), f"it is the database ({db})"),
        (str(tmp_path / "to-wal.csv"), f"it is the database's write-ahead log ({db}-wal)"),
        (str(tmp_path / "kept-too.db"), f"it is a database kept by restore ({kept})"),
    ]


def test_no_output_path_is_the_database_or_its_files(initialized, tmp_path):
    cli = initialized
    source = _seed(cli, tmp_path)
    targets = _database_targets(tmp_path)
    before = _state(tmp_path)
    for name, command in _commands(source).items():
        for path, what in targets:
            result = cli(*command(path))
            assert (result.exit_code, result.stdout, result.stderr) == (
                1, "", f"crmctl: refusing to write {path}: {what}\n"), (name, path)
            assert _state(tmp_path) == before, (name, path)  # nothing written, nothing gone
    assert inspect_db(lambda c: c.execute("SELECT count(*) FROM customers").fetchone()[0]) == 2
    assert cli("audit", "verify").exit_code == 0


def test_backup_onto_a_live_wal_keeps_it(initialized, tmp_path):
    """Today `backup ex/crm.db-wal` says "verified" and deletes the WAL under a reader."""
    from crmctl.store import open_database

    cli = initialized
    cli("add", "王明")
    holder = open_database(tmp_path / "crm.db", PASSPHRASE.encode())
    try:
        holder.execute("BEGIN")
        holder.execute("SELECT count(*) FROM customers").fetchone()  # a snapshot: WAL kept
        cli("add", "李娜")
        wal = tmp_path / "crm.db-wal"
        assert wal.exists()
        held = wal.read_bytes()
        result = cli("backup", wal)
        assert (result.exit_code, result.stderr) == (
            1, f"crmctl: refusing to write {wal}: it is the database's write-ahead log\n")
        assert wal.read_bytes() == held
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    assert inspect_db(lambda c: c.execute("SELECT count(*) FROM customers").fetchone()[0]) == 2


def test_core_writers_refuse_the_database_whoever_calls(conn, tmp_path):
    """The policy holds below the command line too (core and store callers)."""
    from crmctl.core import campaigns, exporting, importing
    from crmctl.errors import InvalidValue
    from crmctl.store import backup

    db = Path(conn.path)
    source = tmp_path / "in.csv"
    source.write_text("name\n王明\n", encoding="utf-8")
    size = db.stat().st_size
    with pytest.raises(InvalidValue, match="it is the database$"):
        exporting.export(conn, exporting.Request(), db)
    with pytest.raises(InvalidValue, match="it is the database's write-ahead log$"):
        backup.backup(conn, Path(f"{db}-wal"), PASSPHRASE.encode())
    with pytest.raises(InvalidValue, match="it is the database$"):
        importing.run(conn, source, importing.Options(rejects=str(db)))
    campaigns.create(conn, "c", "email")
    with pytest.raises(InvalidValue, match="it is the database's lock file$"):
        exporting.export_campaign(conn, "1", "csv", f"{db}.lock")
    assert db.stat().st_size == size and not Path(f"{db}.lock").exists()
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 0


# --- 3. never overwrite what is not ours without asking -----------------------------------
def test_an_existing_file_needs_force(initialized, tmp_path):
    cli = initialized
    source = _seed(cli, tmp_path)
    for name, command in _commands(source).items():
        mine = tmp_path / f"mine-{name.replace(' ', '-')}.txt"
        mine.write_text("my own notes\n")
        result = cli(*command(mine))
        assert (result.exit_code, result.stdout, result.stderr) == (
            1, "", f"crmctl: {mine} exists; use --force to replace it\n"), name
        assert mine.read_text() == "my own notes\n"
        result = cli(*command(mine), "--force")
        assert result.exit_code == 0, (name, result.stderr)
        assert mine.read_text(errors="replace") != "my own notes\n"
        assert mine.stat().st_mode & 0o777 == 0o600
    audit = inspect_db(lambda c: [r[0] for r in c.execute("SELECT action FROM audit_log")])
    assert audit.count("backup") == 1 and audit.count("export") == 2  # the refusals: none


def test_backup_replaces_an_earlier_backup_without_force(initialized, tmp_path):
    cli = initialized
    cli("add", "王明")
    target = tmp_path / "nightly.db"
    assert cli("backup", target).exit_code == 0
    first = target.read_bytes()
    cli("add", "李娜")
    result = cli("backup", target)
    assert (result.exit_code, result.stderr) == (0, f"backup written to {target} (verified)\n")
    assert target.read_bytes() != first


@pytest.mark.parametrize("answer,code", [("n\n", 1), ("y\n", 0)])
def test_on_a_terminal_an_overwrite_is_asked(initialized, tmp_path, monkeypatch, answer, code):
    from crmctl.store import passphrase

    cli = initialized
    cli("add", "王明")
    mine = tmp_path / "report.csv"
    mine.write_text("keep me\n")
    monkeypatch.setattr(passphrase, "stdin_is_terminal", lambda: True)
    result = cli("export", "--out", mine, input=answer)
    assert result.exit_code == code
    assert f"{mine} exists. Replace it? [y/N]:" in result.stderr
    if code:
        assert result.stderr.endswith(f"crmctl: {mine} left as it was; nothing written\n")
        assert mine.read_text() == "keep me\n"
    else:
        assert mine.read_text(encoding="utf-8").startswith("id,name,company")


def test_a_directory_means_a_file_inside_it(initialized, tmp_path, pin_clock):
    pin_clock("2026-11-20T01:00:00Z")  # 09:00:00 in Shanghai
    cli = initialized
    source = _seed(cli, tmp_path)
    folder = tmp_path / "usb"
    folder.mkdir()
    cases = [
        (("export", "--out", f"{folder}/"), "customers.csv"),
        (("export", "--out", folder, "--what", "interactions", "--format", "json"),
         "interactions.json"),
        (("export", "--out", folder, "--format", "xlsx"), "customers.xlsx"),
        (("export", "--customer", "1", "--out", folder), "customer.json"),
        (("campaign", "export", "1", "--out", f"{folder}/"), "campaign-1-targets.csv"),
        (("import", source, "--rejects", f"{folder}/"), "in-rejects.csv"),
        (("backup", f"{folder}/"), "crm-20261120-090000.db"),
    ]
    for args, name in cases:
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        assert (folder / name).is_file(), args
    assert sorted(os.listdir(folder)) == sorted(name for _, name in cases)
    assert not (tmp_path / "usb.csv").exists()


def test_a_missing_directory_is_an_error_not_a_new_file(initialized, tmp_path):
    cli = initialized
    source = _seed(cli, tmp_path)
    before = _state(tmp_path)
    gone = tmp_path / "usb"
    for name, command in _commands(source).items():
        result = cli(*command(f"{gone}/"))
        assert (result.exit_code, result.stdout, result.stderr) == (
            1, "", f"crmctl: cannot write into {gone}/: no such directory "
                   "(is the disk mounted?)\n"), name
        result = cli(*command(gone / "crm.db"))
        assert (result.exit_code, result.stderr) == (
            1, f"crmctl: cannot write {gone / 'crm.db'}: directory {gone} does not exist\n"), name
    assert _state(tmp_path) == before and not gone.exists()


def test_the_format_follows_the_extension(initialized, tmp_path):
    from openpyxl import load_workbook

    cli = initialized
    _seed(cli, tmp_path)
    cli("followups", "schedule", "1", "+3d", "--purpose", "回访")
    for name in ("all.xlsx", "all.json", "all.vcf", "all.ics", "all.CSV", "all.txt"):
        result = cli("export", "--out", tmp_path / name)
        assert result.exit_code == 0, (name, result.stderr)
    assert load_workbook(tmp_path / "all.xlsx").active["B2"].value == "王明"
    assert json.loads((tmp_path / "all.json").read_text("utf-8"))[0]["name"] == "王明"
    assert (tmp_path / "all.vcf").read_text("utf-8").startswith("BEGIN:VCARD")
    assert (tmp_path / "all.ics").read_text("utf-8").startswith("BEGIN:VCALENDAR")
    for csv_name in ("all.CSV", "all.txt"):  # an unknown extension keeps the default: csv
        assert (tmp_path / csv_name).read_text("utf-8").startswith("id,name,company")
    result = cli("campaign", "export", "1", "--out", tmp_path / "mail.xlsx")
    assert result.exit_code == 0, result.stderr
    assert load_workbook(tmp_path / "mail.xlsx").active["D2"].value == "wang@example.cn"
    result = cli("campaign", "export", "1", "--out", tmp_path / "mail.json")
    assert json.loads((tmp_path / "mail.json").read_text("utf-8"))[0]["email"] == "wang@example.cn"


def test_a_format_contradicting_the_extension_is_a_usage_error(initialized, tmp_path):
    cli = initialized
    _seed(cli, tmp_path)
    before = _state(tmp_path)
    out = tmp_path / "all.xlsx"
    cases = [
        (("export", "--out", out, "--format", "csv"),
         f"--format csv contradicts the extension of {out} (xlsx); drop --format or change "
         "the name"),
        (("campaign", "export", "1", "--out", out, "--format", "json"),
         f"--format json contradicts the extension of {out} (xlsx); drop --format or change "
         "the name"),
        (("export", "--customer", "1", "--out", tmp_path / "wang.csv"),
         f"--customer writes one JSON document, not what the extension of "
         f"{tmp_path / 'wang.csv'} says: name it .json"),
    ]
    for args, text in cases:
        result = cli(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"crmctl: {text}\n")
    assert _state(tmp_path) == before
    assert cli("export", "--out", out, "--format", "XLSX").exit_code == 0  # agreeing: fine


# --- 4. no plaintext outside the database -------------------------------------------------
def _still(directory: Path) -> None:
    """Empty, with an mtime of 0: any file made (or made and removed) in it shows."""
    assert os.listdir(directory) == []
    os.utime(directory, ns=(0, 0))


def _untouched(directory: Path) -> bool:
    return os.listdir(directory) == [] and directory.stat().st_mtime_ns == 0


@pytest.mark.e2e
def test_xlsx_export_and_import_spill_nothing_into_tmpdir(tmp_path):
    """Run as a cron job would, with TMPDIR an empty directory: openpyxl's writer put each
    sheet there (created, then removed: the directory's mtime shows it)."""
    from stress_helpers import crmctl_env, populate, run

    db = tmp_path / "crm.db"
    populate(db, 300, note="=机密备注")
    spill = tmp_path / "tmp"
    out = tmp_path / "out"
    spill.mkdir()
    out.mkdir()
    env = crmctl_env(db, TMPDIR=str(spill))
    _still(spill)
    result = run(["export", "--format", "xlsx", "--out", out / "all.xlsx"], env)
    assert result.returncode == 0, result.stderr
    result = run(["campaign", "create", "c", "--channel", "email"], env)
    result = run(["campaign", "export", "1", "--format", "xlsx", "--out", out / "t.xlsx"], env)
    assert result.returncode == 0, result.stderr
    result = run(["import", out / "all.xlsx", "--dry-run", "--rejects", out / "r.csv"], env)
    assert result.returncode == 0, result.stderr
    assert _untouched(spill), os.listdir(spill)
    assert sorted(os.listdir(out)) == ["all.xlsx", "r.csv", "t.xlsx"]
    with zipfile.ZipFile(out / "all.xlsx") as book:
        assert book.testzip() is None


def test_private_output_leaves_nothing_on_failure_either_way(tmp_path, monkeypatch):
    """The unnamed file (O_TMPFILE) and the named fallback (file systems without it)."""
    from crmctl.store.outputs import private_output

    for unnamed in (True, False):
        if not unnamed:
            monkeypatch.delattr(os, "O_TMPFILE", raising=False)
        folder = tmp_path / f"unnamed-{unnamed}"
        folder.mkdir()
        dest = folder / "c.csv"
        with pytest.raises(OSError):
            with private_output(dest) as out:
                out.open(binary=False).write("id,name\r\n1,王明\r\n")
                out.file.flush()
                assert len(os.listdir(folder)) == (0 if unnamed else 1)
                raise OSError(28, "No space left on device")
        assert os.listdir(folder) == []
        old = os.umask(0)
        try:
            with private_output(dest) as out:
                out.open(binary=True).write(b"done")
                out.publish()
        finally:
            os.umask(old)
        assert os.listdir(folder) == ["c.csv"] and dest.read_bytes() == b"done"
        assert dest.stat().st_mode & 0o777 == 0o600


@pytest.mark.slow
def test_a_killed_xlsx_export_leaves_no_plaintext_anywhere(tmp_path):
    """kill -9 in the middle of a big xlsx export: the destination is absent (or whole),
    nothing in $TMPDIR, nothing beside the destination."""
    import subprocess
    import time

    from stress_helpers import crmctl_env, populate, start

    db = tmp_path / "crm.db"
    populate(db, 25_000, note="机密备注 " * 20)  # ~0.8 s of writing xlsx
    spill, out = tmp_path / "tmp", tmp_path / "out"
    spill.mkdir()
    out.mkdir()
    env = crmctl_env(db, TMPDIR=str(spill))
    killed = 0
    for attempt in range(4):
        _still(spill)
        proc = start(["export", "--format", "xlsx", "--out", out / "all.xlsx"], env,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if _writing(proc.pid, out):  # the file is being written: now
                time.sleep(0.05 + 0.15 * attempt)
                proc.kill()
                killed += 1
                break
            time.sleep(0.005)
        proc.wait()
        assert _untouched(spill), os.listdir(spill)
        left = os.listdir(out)
        assert left in ([], ["all.xlsx"]), left
        if left:  # the export finished before the kill: then it is whole
            with zipfile.ZipFile(out / "all.xlsx") as book:
                assert book.testzip() is None
            (out / "all.xlsx").unlink()
    assert killed >= 3


def _writing(pid: int, directory: Path) -> bool:
    """Whether the process has a file open in ``directory`` (the unnamed one included)."""
    try:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    return any(link.startswith(f"{directory}/") for link in links)


# --- an option taken for the output's name --------------------------------------------------
@pytest.mark.parametrize("name", ["--help", "-o.csv"])
def test_an_output_name_starting_with_a_dash_is_refused(initialized, tmp_path, monkeypatch,
                                                        name):
    """Issue 16 audit: ``report --html --help`` wrote a 149 KB file named --help. Every
    output option refuses a name starting with '-' (but '-', stdout) in one line."""
    cli = initialized
    source = _seed(cli, tmp_path)
    monkeypatch.chdir(tmp_path)
    before = _state(tmp_path)
    commands = {**_commands(source),
                "backup": lambda p: ("backup", "--", p),  # a lone DEST '-x' is click's option
                "report --html": lambda p: ("report", "--html", p),
                "report html": lambda p: ("report", "html", "--", p)}
    for what, command in commands.items():
        result = cli(*command(name))
        assert (result.exit_code, result.stdout, result.stderr) == (
            1, "", f"crmctl: refusing to write a file named {name}: it looks like an option "
                   f"(to mean that file, write ./{name})\n"), what
        assert _state(tmp_path) == before, what
    result = cli("report", "--html", name, env={"CRMCTL_LANG": "zh_CN"})
    assert (result.exit_code, result.stderr) == (
        1, f"crmctl: 拒绝写入名为 {name} 的文件：它像是一个选项（若确指该文件，请写 ./{name}）\n")
    assert cli("export", "--out", f"./{name}").exit_code == 0  # the file meant, said so
    assert (tmp_path / name).read_text(encoding="utf-8-sig").startswith("id,")


def test_core_exports_refuse_a_name_starting_with_a_dash(conn, tmp_path, monkeypatch):
    from crmctl.core import exporting
    from crmctl.errors import InvalidValue

    monkeypatch.chdir(tmp_path)

    with pytest.raises(InvalidValue, match="^refusing to write a file named --help: "):
        exporting.export(conn, exporting.Request(), "--help")
    assert not (tmp_path / "--help").exists()
