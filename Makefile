# Go notebooks for school lessons about AI APIs.
#
#   make lab    set everything up and open the lesson in JupyterLab
#   make test   set everything up and run every test
#   make help   list every target
#
# Everything installs inside this folder: the Python tools in .venv/, the GoNB
# kernel in .venv/share/jupyter/. Go modules and the Go build cache are the
# usual ones of your Go installation; after `make setup` the lessons run
# without internet (GOPROXY=off).

SHELL := /bin/bash
.DEFAULT_GOAL := help

GO       ?= go
PYTHON   ?= python3
VENV     := $(CURDIR)/.venv
BIN      := $(VENV)/bin
# The lessons, in the students' order (notebooks/lessons.json, then any it leaves out):
# make run runs them all, make lab opens the first. A lesson is data: adding one is
# make new-lesson NAME=my-lesson (docs/teachers/new-lesson.md), nothing here.
LESSONS  := $(shell $(PYTHON) -c 'import json, os; n = sorted(f for f in os.listdir("notebooks") if f.endswith(".ipynb")); \
  o = [f for f in json.load(open("notebooks/lessons.json"))["lessons"] if f in n]; print(*("notebooks/" + f for f in dict.fromkeys(o + n)))' 2>/dev/null || ls notebooks/*.ipynb)
LESSON   ?= $(firstword $(LESSONS))
BUILD    := $(CURDIR)/build
PORT     ?= 8888
LAB_ARGS ?=
QUIZ_PATHS ?= notebooks
OUT      ?= $(BUILD)/gradebook

# Jupyter finds the GoNB kernel installed for this project first; goimports,
# gonb and the venv's tools come first on PATH.
export JUPYTER_DATA_DIR := $(VENV)/share/jupyter
export PATH := $(BIN):$(shell $(GO) env GOROOT 2>/dev/null)/bin:$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

KERNEL_JSON := $(JUPYTER_DATA_DIR)/kernels/gonb/kernel.json
# The GoNB version pinned in go.mod (the kernel and helpers' gonbui must match).
GONB_VERSION := $(shell sed -n 's|^[[:space:]]*github.com/janpfeifer/gonb \(v[^[:space:]]*\).*|\1|p' go.mod | head -n 1)
# A headless Chromium for the browser tests and the benchmark: $$CHROMIUM, the
# system's, Playwright's, or Debian's (see tools/find_browser.sh).
FIND_BROWSER := CHROMIUM="$$(tools/find_browser.sh)" || exit 1; export CHROMIUM;

say = @printf '\033[1m==> %s\033[0m\n' "$(1)"

.PHONY: help new-lesson setup warm cells lab test test-go test-notebook test-setup test-browser run check lock clean distclean provider gradebook FORCE bench bench-tiny bench-cells bench-classroom classroom classroom-install students login-cards classroom-lock test-classroom test-deploy lint-deploy

help: ## Show this list.
	@echo "Go notebooks for AI-API lessons. Main commands:"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: $(VENV)/.python-ok $(BIN)/goimports $(BIN)/cell-run $(KERNEL_JSON) warm cells ## Install everything the lesson needs (idempotent).

$(VENV)/.python-ok: tools/requirements.txt
	$(call say,Checking Go and Python)
	@command -v $(GO) >/dev/null || { echo "Go is not installed: get it from https://go.dev/dl/ and run make again."; exit 1; }
	@command -v $(PYTHON) >/dev/null || { echo "Python 3 is not installed: install it (3.11 or newer) and run make again."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "JupyterLab's kernel tools need Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V). Install a newer Python, or run: make PYTHON=python3.12 ..."; exit 1; }
	$(call say,Creating the Python environment in .venv (first time: about a minute))
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "Could not create .venv: on Debian/Ubuntu install python3-venv first."; exit 1; }
	$(BIN)/python -m pip install --progress-bar on -r tools/requirements.txt
	@touch $@

$(BIN)/goimports: go.mod go.sum
	$(call say,Building goimports (pinned in go.mod; first time: about 20 s))
	@mkdir -p $(BIN)
	$(GO) build -o $@ golang.org/x/tools/cmd/goimports

# The cell launcher of the classroom and of Kubernetes pods (cmd/cell-run; used only where
# GOLESSONS_CELL_RUN names it): tells a student when their limits stopped a cell.
$(BIN)/cell-run: go.mod $(wildcard cmd/cell-run/*.go internal/explain/limits/*.go)
	@mkdir -p $(BIN)
	$(GO) build -o $@ ./cmd/cell-run

$(BIN)/gonb: go.mod go.sum
	$(call say,Building the GoNB kernel $(GONB_VERSION) (pinned in go.mod; first time: about a minute))
	@mkdir -p $(BIN)
	$(GO) build -o $@ github.com/janpfeifer/gonb

# The kernel starts every notebook with a go.work that uses this module, so cells
# import ./helpers without asking the module proxy for anything. Its PATH starts
# with tools/gonb-go, the `go` GoNB runs: no `go get` before every cell (only
# when a build lacks a module), a faster link (see tools/kernel_env.py).
# (Installed again when this folder has moved.)
KERNEL_STALE := $(shell grep -qs -- '-go_work=$(CURDIR)"' $(KERNEL_JSON) || echo FORCE)
$(KERNEL_JSON): $(BIN)/gonb $(BIN)/goimports $(VENV)/.python-ok tools/kernel_env.py tools/gonb-go/go Makefile $(KERNEL_STALE)
	$(call say,Installing the GoNB kernel $(GONB_VERSION) for this project's JupyterLab)
	@$(BIN)/gonb --install --force_deps --go_work=$(CURDIR) >$(VENV)/gonb-install.log 2>&1 || { cat $(VENV)/gonb-install.log; exit 1; }
	$(BIN)/python tools/kernel_env.py $@ $(CURDIR) "$(BIN):$(shell $(GO) env GOROOT)/bin" $(CELL_CACHE)
	@grep -q -- '-go_work=$(CURDIR)"' $@ || { echo "kernel.json does not point at $(CURDIR): see $(VENV)/gonb-install.log"; exit 1; }

# Every module the kernel's go commands need, downloaded for offline use, and the
# build cache warmed the way the kernel builds a cell, so that a student's first
# Run is fast and works without internet. Quick (a check) once done.
warm:
	@tools/warm_kernel.sh $(VENV)/.warm

# The lessons' cell programs, pre-built (tools/fill_cell_cache.py runs every code cell
# once): a lesson cell as the lesson has it then runs in a few milliseconds instead
# of being compiled and linked (tools/gonb-go/go). Made again when the project's Go
# code, the lessons, Go or the kernel change; a Go file changed since puts it aside.
CELL_CACHE := $(BUILD)/cellcache
cells: $(KERNEL_JSON) warm
	@key=$$( { $(GO) version; cat go.mod go.sum $(KERNEL_JSON) tools/gonb-go/go tools/fill_cell_cache.py notebooks/*.ipynb; \
	  git ls-files -co --exclude-standard -- '*.go' 2>/dev/null | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-32 ); \
	if [ "$$(cat $(CELL_CACHE)/STAMP 2>/dev/null)" != "$$key" ]; then \
	  printf '\033[1m==> %s\033[0m\n' "Pre-building the lesson's cells (a few seconds)"; \
	  rm -rf $(CELL_CACHE) && mkdir -p $(CELL_CACHE) && echo "$$key" >$(CELL_CACHE)/STAMP && \
	  $(BIN)/python tools/fill_cell_cache.py $(CELL_CACHE) notebooks/*.ipynb; \
	fi

lab: setup ## Open the lesson in JupyterLab (offline sample answers when no key is set).
	@if [ -z "$$OPENROUTER_API_KEY$$OPENAI_API_KEY$$OPENAI_BASE_URL" ] && ! grep -qs 'API_KEY=.' .env; then \
	  echo "No OPENROUTER_API_KEY set: the lesson runs on the OFFLINE SAMPLE provider (prepared answers, not a real model)."; \
	  echo "To go live: export OPENROUTER_API_KEY=sk-or-... (or put it in .env) and run make lab again."; fi
	$(call say,Starting JupyterLab on port $(PORT) (Ctrl-C twice to stop))
	$(BIN)/jupyter lab --port=$(PORT) --ServerApp.port_retries=20 --notebook-dir=$(CURDIR) $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS) $(LESSON)

test: setup ## Run every test: checks, Go unit tests, the lesson headless, offline setup, browser tests, a tiny benchmark run.
	$(MAKE) --no-print-directory check test-go test-notebook test-setup test-browser test-classroom test-deploy lint-deploy bench-tiny

test-go: ## Go unit tests.
	$(call say,Go unit tests)
	$(GO) test ./...

test-notebook: setup ## Execute the lesson headless on the GoNB kernel (offline and against a local OpenRouter-format server).
	$(call say,Notebook tests (nbclient on the GoNB kernel))
	$(BIN)/python -m pytest -v tests/test_notebook.py tests/test_new_lesson.py tests/test_make_lab.py tests/test_make_check.py tests/test_secrets_notebook.py tests/test_docs.py

test-setup: setup ## The kernel as installed; from an empty Go module cache: make setup, then the lesson with GOPROXY=off; the browser finder.
	$(call say,Setup tests (offline lesson from an empty module cache; finding a browser))
	$(BIN)/python -m pytest -v tests/test_make_kernel.py tests/test_make_setup.py tests/test_make_browser.py

# axe-core for the accessibility test, pinned in tests/package.json and
# tests/package-lock.json, installed into tests/node_modules (the classroom hub's
# npm packages are separate, in classroom/).
AXE_JS := tests/node_modules/axe-core/axe.min.js
$(AXE_JS): tests/package.json tests/package-lock.json
	$(call say,Installing axe-core for the accessibility test (tests/package.json))
	@command -v npm >/dev/null || { echo "npm is not installed: install Node.js with npm (e.g. apt-get install npm) for the accessibility test."; exit 1; }
	cd tests && npm ci --no-audit --no-fund
	@touch $@

test-browser: setup $(AXE_JS) ## Drive the lesson in a real JupyterLab with headless Chromium (and audit its outputs with axe-core).
	$(call say,Browser tests (JupyterLab + headless Chromium))
	@$(FIND_BROWSER) $(BIN)/python -m pytest -v tests/test_browser.py tests/test_quiz_browser.py tests/test_quiz_two_browsers.py tests/test_hostile_browser.py tests/test_accessibility.py tests/test_reflection_browser.py

run: setup ## Execute every lesson headless (or LESSON=notebooks/x.ipynb); writes build/run/<lesson>.ipynb and .html.
	@for l in $(if $(filter command line,$(origin LESSON)),$(LESSON),$(LESSONS)); do \
	  printf '\033[1m==> %s\033[0m\n' "Running $$l headless"; \
	  $(BIN)/python tools/run_notebook.py $$l $(BUILD)/run || exit 1; done

new-lesson: ## Start a new lesson: make new-lesson NAME=my-lesson (a notebook, its offline answer, its place in lessons.json).
	@test -n "$(NAME)" || { echo "Name the lesson: make new-lesson NAME=my-lesson (see docs/teachers/new-lesson.md)"; exit 1; }
	@$(PYTHON) tools/new_lesson.py $(NAME)

check: ## gofmt, go vet, every quiz question in notebooks/, the lessons' order (lessons.json) and offline answers, and the docs' links and commands.
	$(call say,Checking formatting, vet, quizzes, the lessons and the docs)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.venv/*')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run ./cmd/quizcheck $(QUIZ_PATHS)
	@$(PYTHON) tools/check_docs.py

gradebook: ## Summarise students' answers: make gradebook IN=folder-of-student-copies [OUT=build/gradebook]
	@test -n "$(IN)" || { echo "Say where the students' copies are: make gradebook IN=path/to/folder"; exit 1; }
	$(GO) run ./cmd/gradebook -in $(IN) -out $(OUT) -questions notebooks

provider: ## Run the offline sample provider on 127.0.0.1:8808 (for OPENAI_BASE_URL; PROVIDER_ARGS="-addr HOST:PORT").
	$(GO) run ./cmd/offline-provider $(PROVIDER_ARGS)

lock: ## Re-pin the Python tools after editing tools/requirements.in.
	$(BIN)/python -m pip install -r tools/requirements.in
	( echo "# Generated by 'make lock' from tools/requirements.in: every package pinned."; $(BIN)/python -m pip freeze ) > tools/requirements.txt

clean: ## Remove build outputs (keeps .venv).
	rm -rf $(BUILD)

FORCE:

distclean: clean ## Remove build outputs and .venv.
	rm -rf $(VENV)

bench: setup ## Benchmark the streamed answer three ways in JupyterLab, and the cost of a cell (about 25 min); writes BENCHMARKS.md.
	$(call say,Benchmark: JupyterLab + headless Chromium, Go display vs the Python original (about 25 minutes))
	@$(FIND_BROWSER) $(BIN)/python bench/run.py --out $(BUILD)/bench --report BENCHMARKS.md $(BENCH_ARGS)

bench-cells: setup ## Only the cell-cost part of the benchmark (about 3 minutes); updates its section of BENCHMARKS.md.
	$(call say,Benchmark: the cost of a cell, GoNB vs ipykernel (about 3 minutes))
	$(BIN)/python bench/cells.py --out $(BUILD)/bench --report BENCHMARKS.md $(BENCH_ARGS)

bench-classroom: setup ## How many students one server holds: a class (30) on the real classroom hub presses Run at once (as root; about 6 minutes); updates its section of BENCHMARKS.md.
	$(call say,Benchmark: a class on the classroom hub pressing Run at once (as root; about 6 minutes))
	@$(FIND_BROWSER) $(BIN)/python bench/classroom.py --browser --out $(BUILD)/bench --report BENCHMARKS.md $(BENCH_ARGS)

bench-tiny: setup ## Check that the benchmark runs (tiny configuration, about 2 minutes; no timing is checked).
	$(call say,Benchmark check: tiny configuration)
	@$(FIND_BROWSER) $(BIN)/python bench/run.py --tiny --out $(BUILD)/bench/tiny --report $(BUILD)/bench/tiny/BENCHMARKS.md

# --- The classroom hub (JupyterHub for a class on one server; see docs/admins/classroom.md). ---
# As root, a class: students are Unix users; the shared read-only install is
# CLASSROOM_DIR (/opt/golessons). Without root: demo mode in build/classroom, not for a class.
CLASSROOM_DIR ?= $(if $(filter 0,$(shell id -u)),/opt/golessons,$(BUILD)/classroom)
CLASSROOM_PORT ?= 8000
CLASSROOM_LOCK_PYTHON ?= /usr/bin/python3
CLASSROOM_ENV = CLASSROOM_DIR=$(CLASSROOM_DIR) CLASSROOM_PORT=$(CLASSROOM_PORT)

classroom: classroom-install ## Start the class's hub (as root): prints its address and the teacher's first password.
	@$(CLASSROOM_ENV) classroom/start.sh

classroom-install: ## Prepare the classroom's shared install in CLASSROOM_DIR (make classroom does it).
	@classroom/install.sh $(CLASSROOM_DIR)

students: ## Student accounts and printable login cards from a class list: make students CSV=class.csv
	@test -n "$(CSV)" || { echo "Name the class list: make students CSV=class.csv (one student's name a line)"; exit 1; }
	@$(CLASSROOM_ENV) $(CLASSROOM_DIR)/venv/bin/python classroom/accounts.py add $(CSV)

login-cards: ## Print the class's login cards again (an HTML page to print).
	@$(CLASSROOM_ENV) $(CLASSROOM_DIR)/venv/bin/python classroom/accounts.py cards

classroom-lock: ## Re-pin the classroom's Python packages after editing classroom/requirements.in.
	rm -rf $(BUILD)/classroom-lock && $(CLASSROOM_LOCK_PYTHON) -m venv $(BUILD)/classroom-lock
	$(BUILD)/classroom-lock/bin/python -m pip install -q -r classroom/requirements.in
	( echo "# Generated by 'make classroom-lock' from classroom/requirements.in (on Python $$($(BUILD)/classroom-lock/bin/python -c 'import platform; print(platform.python_version())')): every package pinned."; \
	  $(BUILD)/classroom-lock/bin/python -m pip freeze ) > classroom/requirements.txt

test-classroom: setup $(AXE_JS) ## The classroom hub for real: JupyterHub, proxy, relay, three Unix-user students, the attack catalogue, per-student limits (as root; about 10 minutes).
	$(call say,Classroom hub test (JupyterHub + configurable-http-proxy + class relay, three students))
	@$(FIND_BROWSER) $(BIN)/python -m pytest -v tests/test_classroom_hub.py tests/test_classroom_attacks.py tests/test_bench_classroom.py tests/test_limits.py tests/test_classroom_limits.py tests/test_classroom_loop.py

# --- Beyond one server: Zero to JupyterHub on Kubernetes (deploy/, docs/admins/kubernetes.md). ---
test-deploy: setup ## The Kubernetes files' safety: no key in students' pods, relay registered and reachable, culler on, images pinned and made by make setup.
	$(call say,Deploy tests (deploy/: Zero to JupyterHub values, class relay manifests, Dockerfile, start hook))
	$(BIN)/python -m pytest -v tests/test_deploy.py

lint-deploy: ## Lint deploy/: hadolint, ShellCheck, Kubernetes schemas, pins; helm template with HELM_CHART=path/to/jupyterhub-chart (says what it skipped).
	@deploy/lint.sh
