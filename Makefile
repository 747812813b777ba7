# kakite: `make repro` builds everything from a fresh Debian/Ubuntu machine; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEB_PACKAGES := fontconfig chromium fonts-ipafont-gothic fonts-ipafont-mincho fonts-ipaexfont fonts-noto-cjk \
	fonts-takao fonts-vlgothic time fonts-yozvox-yozfont fonts-yozvox-yozfont-antique fonts-yozvox-yozfont-cute \
	fonts-yozvox-yozfont-edu fonts-yozvox-yozfont-new-kana fonts-kouzan-mouhitsu zinnia-utils tegaki-zinnia-japanese
PORT ?= 8000

.PHONY: setup system venv web-vendor plots-vendor check-params repro test test-fast mutation test-demo screenshots report lint bench seed-baseline serve clean-venv

setup: system venv web-vendor plots-vendor

# Debian packages: fonts for the embedded data, Chromium for the browser tests, Zinnia and GNU time for the
# benchmark, and node/npm (for TF.js) unless a node with npm is already installed. Without root or passwordless
# sudo, set-up goes on only if every one of them is already installed; otherwise it names the missing ones and stops.
system: .make/system
.make/system: Makefile
	@mkdir -p .make
	@packages="$(DEB_PACKAGES)"; command -v npm >/dev/null || packages="$$packages nodejs npm"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; \
	else missing=$$(for p in $$packages; do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done | tr '\n' ' '); \
	     [ -z "$$missing" ] && exit 0; \
	     echo "kakite: need root or passwordless sudo to install: $$missing"; \
	     echo "kakite: install them yourself (apt-get install $$missing), then run make again."; exit 1; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$packages >/dev/null
	@touch $@

# Python 3.11 venv with the exact pins of requirements.lock, then kakite itself (editable, no deps).
venv: $(VENV)/.installed
$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "kakite: $(PYTHON) not found; install Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade 'pip==26.3'
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	@touch $@

# The TF.js parts the page uses (core, layers, the wasm/webgl/cpu backends) and the WASM binaries, from the
# npm registry, copied into web/vendor/ (no CDN at run time).
TFJS := web/node_modules/@tensorflow
web-vendor: web/vendor/.installed
web/vendor/.installed: web/package.json web/package-lock.json
	cd web && npm ci --silent --no-audit --no-fund
	@rm -rf web/vendor && mkdir -p web/vendor
	cp $(TFJS)/tfjs-core/dist/tf-core.es2017.min.js $(TFJS)/tfjs-layers/dist/tf-layers.es2017.min.js web/vendor/
	cp $(TFJS)/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js $(TFJS)/tfjs-backend-wasm/dist/*.wasm web/vendor/
	cp $(TFJS)/tfjs-backend-webgl/dist/tf-backend-webgl.es2017.min.js web/vendor/
	cp $(TFJS)/tfjs-backend-cpu/dist/tf-backend-cpu.es2017.min.js web/vendor/
	@touch $@

# Vega, Vega-Lite and Vega-Embed from the npm registry, inlined into the page template `dvc plots show` fills
# (vega/dvc_plots.html, .dvc/config's plots.html_template), so that every plot draws offline.
plots-vendor: vega/dvc_plots.html
vega/dvc_plots.html: vega/package.json vega/package-lock.json kakite/report/plots_page.py $(VENV)/.installed
	cd vega && npm ci --silent --no-audit --no-fund
	$(BIN)/python -m kakite.report.plots_page

RUN := PATH="$(CURDIR)/$(VENV)/bin:$$PATH"

# params.yaml checked alone first: dvc repro deletes a stage's outputs before the stage reads its params,
# so a typo caught only there would cost the trained model.
check-params: venv
	$(BIN)/python -m kakite.core.params params.yaml

repro: setup check-params
	$(RUN) dvc repro

test: setup
	$(BIN)/ruff check kakite stages tests bench
	$(BIN)/python -m pytest -q

test-fast: venv
	$(BIN)/python -m pytest -q -m "not slow and not browser and not demo"

# Mutation score of the core modules (not part of `make test`: minutes, not seconds). mutmut copies them into
# mutants/ and runs only their own fast test files ([tool.mutmut] in pyproject.toml); it prints the mutants not
# killed, then the score per module. Accepted survivors are listed with reasons in tests/mutation_survivors.md.
# One OpenMP/BLAS thread: mutmut forks each mutant's run from a process whose sklearn already started a thread
# pool, and a forked child that calls into it hangs until mutmut's timeout (counted as a kill, wrongly).
mutation: venv
	rm -rf mutants
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/mutmut run --max-children $$(nproc) || true
	$(BIN)/mutmut results
	$(BIN)/mutmut results --all true | $(BIN)/python tests/mutation_score.py

# The shipped models in Chromium: the default pipeline first (DVC skips it when up to date).
test-demo: repro
	$(BIN)/python -m pytest -q -m demo -s

# README pictures from the real models.
screenshots: repro
	KAKITE_ARTIFACTS=web/screenshots $(BIN)/python -m pytest -q -m demo -k screenshots

# kakite against its peers on this machine -> metrics/bench.json and the README table (after the pipeline).
bench: repro
	$(RUN) $(BIN)/python -m bench.run
	$(BIN)/python -m kakite.report.readme

# The seed's recogniser trained to its own standard, on its preprocessing and on kakite's: about 80 minutes
# on 2 cores (bench/seed_baseline.py) -> metrics/seed_baseline.json and the README table.
seed-baseline: repro
	$(BIN)/python -m bench.seed_baseline
	$(BIN)/python -m kakite.report.readme

# Rewrite the README's results block from metrics/*.json.
report: venv
	$(BIN)/python -m kakite.report.readme

lint: venv
	$(BIN)/ruff check kakite stages tests bench

# Cross-origin isolated (WASM threads), CSP self-only, no listings, on 127.0.0.1 (kakite/serve/static.py).
serve: web-vendor
	$(BIN)/python -m kakite.serve.static --port $(PORT) --bind 127.0.0.1 --directory web

clean-venv:
	rm -rf $(VENV) .make
