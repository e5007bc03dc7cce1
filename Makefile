# Descent Lab. Every target creates .venv on first use; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# Where `make test` assembles the package with the solved exercise modules.
SOLVED := .build/solved
OUT ?= grader/out
# The course's JupyterLab defaults (grader/jupyter/labconfig): Markdown opens rendered,
# so the welcome page notebooks/README.md reads as a page.
LAB_CONFIG := $(CURDIR)/grader/jupyter
# JupyterLab refuses to run as root unless told; ask only when we are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# `make lab LANG=zh` (or a Chinese locale, LANG=zh_CN.UTF-8) opens the Chinese edition,
# notebooks-zh/, with JupyterLab's own interface in Chinese (grader/jupyter-zh adds the
# locale to the course's defaults). A bare LANG=zh is no locale: the server runs in C.UTF-8.
ZH := $(filter zh%,$(LANG))
EDITION := $(if $(ZH),notebooks-zh,notebooks)
LAB_CONFIGS := $(if $(ZH),$(CURDIR)/grader/jupyter-zh:)$(LAB_CONFIG)
LAB_LANG := $(if $(filter zh,$(LANG)),C.UTF-8,$(LANG))

.PHONY: lab test test-fast release catalogues execute submit grade formgrade handout bench clean

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

lab: $(VENV)/.installed  ## open JupyterLab on the course notebooks (LANG=zh: 中文版)
	LANG=$(LAB_LANG) JUPYTER_CONFIG_PATH=$(LAB_CONFIGS) $(BIN)/jupyter lab $(ROOT_FLAG) \
		--ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/$(EDITION)/README.md

test: $(VENV)/.dev-installed  ## the full validation, as CI runs it
	$(BIN)/ruff check .
	$(BIN)/python -m grader.assemble $(SOLVED) > /dev/null
	PYTHONPATH=$(CURDIR)/$(SOLVED) $(BIN)/python -m pytest

test-fast: $(VENV)/.dev-installed  ## the edit loop: all but the browser, grading batches and notebook runs
	$(BIN)/python -m grader.assemble $(SOLVED) > /dev/null
	PYTHONPATH=$(CURDIR)/$(SOLVED) $(BIN)/python -m pytest -p no:nbval -o addopts=-ra -m "not slow" tests

release: $(VENV)/.installed  ## regenerate notebooks/, notebooks-zh/ and the exercise stubs from solutions/
	$(BIN)/python -m grader.release

catalogues: $(VENV)/.installed  ## merge changed English into locale/zh_CN/*.po (then translate, make release)
	$(BIN)/python -m grader.catalogues

execute: $(VENV)/.installed  ## re-run solutions/ notebooks and store their outputs
	$(BIN)/python -m grader.execute

submit: $(VENV)/.installed  ## make STUDENT=<id>.zip to hand in
	@test -n "$(STUDENT)" || { echo "usage: make submit STUDENT=<your student id>"; exit 2; }
	$(if $(ZH),DESCENTLAB_LANG=zh_CN) $(BIN)/python -m descentlab.submit "$(STUDENT)"

grade: $(VENV)/.installed  ## grade SUBMISSIONS=<folder of zips> into OUT=<folder>
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder of zips> [OUT=grader/out] [WORKERS=n] [ONLY=id,id] [LMS=canvas|moodle|gradescope | PATTERN=regex] [ROSTER=class.csv] [DEADLINE='2026-12-01 23:59'] [LATE=none|zero]"; exit 2; }
	$(BIN)/python -m grader.grade "$(SUBMISSIONS)" --out "$(OUT)" \
		$(if $(WORKERS),--workers $(WORKERS)) $(if $(ONLY),--only $(ONLY)) \
		$(if $(PATTERN),--pattern '$(PATTERN)') $(if $(LMS),--lms '$(LMS)') \
		$(if $(ROSTER),--roster "$(ROSTER)") \
		$(if $(DEADLINE),--deadline "$(DEADLINE)") $(if $(LATE),--late $(LATE))

formgrade: $(VENV)/.installed  ## TAs grade written answers: make formgrade OUT=<folder of make grade>
	$(BIN)/python -m grader.formgrade "$(OUT)"

handout: $(VENV)/.installed  ## the student edition of a graded class: make handout DEST=<new folder>
	@test -n "$(DEST)" || { echo "usage: make handout DEST=<new folder>"; exit 2; }
	$(BIN)/python -m grader.handout "$(DEST)"

bench: $(VENV)/.dev-installed  ## measured performance (not part of make test)
	$(BIN)/python -m benchmarks.notebooks
	$(BIN)/python -m benchmarks.grading $(N)
	$(BIN)/python -m benchmarks.term $(N)

clean:  ## remove build output (keeps .venv)
	rm -rf .build grader/out .pytest_cache
