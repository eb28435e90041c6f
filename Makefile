# pilotlight.dr: the two commands of the README, and the pieces they are made of.
#   make demo   run the main job on the built-in local AWS emulator (no AWS account needed)
#   make test   lint (yamllint, ansible-lint, ruff), ansible-test sanity, unit tests, emulator integration
#               tests and molecule scenarios
# Both set themselves up on a fresh machine: a .venv with the pinned requirements, and a link that
# makes this working tree importable as the pilotlight.dr collection.

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
LINK   := .collections/ansible_collections/pilotlight/dr
PYTEST_ARGS ?=

export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv test lint sanity unit integration molecule demo benchmarks build constraints clean

help:
	@sed -n '2,4p' Makefile

venv: $(STAMP) $(LINK)

$(STAMP): requirements.txt requirements-test.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-test.txt -c constraints.txt
	touch $(STAMP)

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn ../../.. $(LINK)

lint: venv
	$(BIN)/yamllint --strict .
	$(BIN)/ansible-lint --offline
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m compileall -q plugins tests

# ansible-test sanity needs the collection at ansible_collections/pilotlight/dr and resolves symlinks,
# so it runs on a copy of the tracked and new (not ignored) files. The copy is a throw-away git
# repository because ansible-test lists a collection's files with git; the collections it depends on
# (from the ansible package) are linked beside it. ansible-test makes one virtualenv per test under
# ~/.ansible/test/venv with its own pinned packages (pip, the first time; reused after) and bootstraps
# pip in each with a get-pip.py from ci-files.testing.ansible.com: tests/sanity/bootstrap_pip.py stands
# in for it, from the pip wheel bundled with Python, when none is cached.
SANITY_DIR    := .cache/sanity/ansible_collections/pilotlight/dr
SANITY_GETPIP := $(HOME)/.ansible/test/cache/get_pip_24_2.py
# Skipped: pslint and shellcheck (PowerShell and shell only; neither tool is installed here, and the
# collection has no PowerShell and no shell scripts outside templates).
SANITY_SKIP   := --skip-test pslint --skip-test shellcheck
SITE_COLLECTIONS = $(shell $(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections

sanity: venv
	rm -rf $(SANITY_DIR) && mkdir -p $(SANITY_DIR)
	git ls-files -z --cached --others --exclude-standard \
	  | tar --null --ignore-failed-read --warning=no-failed-read -T - -cf - | tar -xf - -C $(SANITY_DIR)
	git -C $(SANITY_DIR) init -q
	for namespace in amazon community; do ln -sfn $(SITE_COLLECTIONS)/$$namespace $(SANITY_DIR)/../../$$namespace; done
	test -f $(SANITY_GETPIP) || install -D -m 644 tests/sanity/bootstrap_pip.py $(SANITY_GETPIP)
	cd $(SANITY_DIR) && $(BIN)/ansible-test sanity --python 3.11 --color no $(SANITY_SKIP)

# Every test: unit, emulator, module integration, playbooks and molecule scenarios. pytest exits
# non-zero when it collects nothing, so an empty or broken test tree fails too. Lint and sanity run side
# by side (each mostly uses one core; their output is kept apart), then pytest on every core.
test: venv
	$(MAKE) --no-print-directory -j2 --output-sync=target lint sanity
	$(BIN)/python -m pytest -m "not benchmark" -n auto --dist loadgroup $(PYTEST_ARGS)

unit: venv
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

integration: venv
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

molecule: venv
	$(BIN)/python -m pytest -m molecule $(PYTEST_ARGS)

demo: venv
	$(BIN)/python -m tests.demo

benchmarks: venv
	@for script in tests/benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

build: venv
	$(BIN)/ansible-galaxy collection build --force --output-path .cache/dist

# Refresh constraints.txt after changing requirements*.txt (needs PyPI).
constraints:
	rm -rf .cache/constraints-venv
	$(PYTHON) -m venv .cache/constraints-venv
	.cache/constraints-venv/bin/pip install --quiet -r requirements-test.txt
	( echo "# Every package of the test virtualenv, pinned (pip freeze). Regenerate with \`make constraints\`."; \
	  .cache/constraints-venv/bin/pip freeze ) > constraints.txt

clean:
	rm -rf $(VENV) .collections .cache .pytest_cache reports tests/output
