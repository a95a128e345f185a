#!/usr/bin/env bash
# Build the example database from examples/customers.csv and show what crmctl does.
# Called by `make demo` with CRMCTL_DB and CRMCTL_PASSPHRASE_FILE set.
set -euo pipefail
crmctl=${1:-crmctl}
here=$(cd "$(dirname "$0")" && pwd)

"$crmctl" init
# One `add` per row (the bulk `crmctl import` is the faster way for real files).
python3 - "$here/customers.csv" "$crmctl" <<'PY'
import csv, subprocess, sys
path, crmctl = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8", newline="") as f:
    for row in csv.DictReader(f):
        args = [crmctl, "add", row["name"]]
        for field in ("company", "title", "email", "phone", "tier", "birthday", "note"):
            if row[field]:
                args += [f"--{field}", row[field]]
        for tag in filter(None, row["tags"].split(";")):
            args += ["--tag", tag]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
PY

echo; echo '$ crmctl list'
"$crmctl" list
echo; echo '$ crmctl list --search 王'
"$crmctl" list --search 王
echo; echo '$ crmctl show 1'
"$crmctl" show 1
echo; echo '$ crmctl audit verify'
"$crmctl" audit verify
