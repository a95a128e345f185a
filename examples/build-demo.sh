#!/usr/bin/env bash
# Build the example database from examples/customers.csv and show what crmctl does.
# Called by `make demo` with CRMCTL_DB and CRMCTL_PASSPHRASE_FILE set.
set -euo pipefail
crmctl=${1:-crmctl}
here=$(cd "$(dirname "$0")" && pwd)
run() { printf '\n$ crmctl %s\n' "$*"; "$crmctl" "$@"; }

"$crmctl" init
run import "$here/customers.csv" --tag demo

# A little history, dated relative to today so the follow-up report always has something.
"$crmctl" log-contact 1 --channel phone --summary "年度框架续签, 询价" --at -35d --satisfaction 4 >/dev/null
"$crmctl" purchase 1 128000.00 --date -30d --note "框架协议一期" >/dev/null
"$crmctl" log-contact 2 --channel meeting --summary "季度回顾" --at -3d --satisfaction 5 --next +4d >/dev/null
"$crmctl" log-contact 5 --channel wechat --summary "发票开错了" --at -10d --complaint --category billing --satisfaction 2 >/dev/null
"$crmctl" purchase 6 4800.50 --currency EUR --date -200d >/dev/null
"$crmctl" followups schedule 3 today --purpose "寄送新品样品" >/dev/null

run list
run list --search 王
run show 1
run followups --until +7d
run tier review
run audit verify
