# Two set-up commands: `make demo` and `make test`. Each makes its own venv and installs
# the project into it, so nothing installed by hand is relied on.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_DB := $(CURDIR)/examples/demo.db

.PHONY: demo test check install install-bench clean

# the catalogs too: installing compiles them (setup.py). --no-compile: pip would byte-compile
# every file of every dependency (pandas' own tests included), ~8 s of a fresh install;
# Python compiles what is imported, once, as it imports it.
$(BIN)/crmctl: pyproject.toml setup.py $(wildcard crmctl/locale/*/LC_MESSAGES/*.po)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-compile -e '.[test]'
	@touch $@

# only `make check` runs the bench/ scripts, which time sqlite-utils (the bench extra)
$(VENV)/.bench-installed: $(BIN)/crmctl
	$(BIN)/pip install --quiet --no-compile -e '.[test,bench]'
	@touch $@

install: $(BIN)/crmctl

install-bench: $(VENV)/.bench-installed

demo: install
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@chmod 600 examples/demo-passphrase.txt  # a checkout makes it 0644: crmctl would warn
	CRMCTL_DB=$(DEMO_DB) CRMCTL_PASSPHRASE_FILE=$(CURDIR)/examples/demo-passphrase.txt bash examples/build-demo.sh $(BIN)/crmctl

# one worker per CPU (pytest-xdist): every test has its own temp database and environment;
# the kill/race suites of `make check` run alone, as their timings assume
test: install
	$(BIN)/python -m pytest -q -n auto

# HYPOTHESIS_PROFILE=check: every property test at its full count (tests/conftest.py)
check: install-bench
	HYPOTHESIS_PROFILE=check $(BIN)/python -m pytest -q -m "slow or not slow"

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
