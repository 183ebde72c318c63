# Two commands on a fresh clone: `make demo` and `make test`. Both install what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STORE ?= data/kubernetes-learning-path.json
DEMO_DATA_SOURCE ?= f49e1ed9-ebb1-4a68-97b6-0fcc507da055
OUT ?= output/content/posts

.PHONY: install demo sync test lint clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Sync the bundled Notion store through the local API emulator (no token) into build/demo/, then
# build output/'s site with those posts. output/content/ is left to the real `make sync`.
demo: install
	$(PY) -m pipeline sync --store $(STORE) --data-source $(DEMO_DATA_SOURCE) --out build/demo/content/posts
	$(PY) -m pipeline build-site output --content-dir build/demo/content --destination build/public

# The real thing: NOTION_TOKEN in the environment, the data source in pipeline.toml.
sync: install
	$(PY) -m pipeline sync --out $(OUT) $(SYNC_ARGS)

test: install
	$(PY) -m pytest -q

lint: install
	$(PY) -m ruff check pipeline notion_emulator tests bench
	bash .ci/actionlint

clean:
	rm -rf $(VENV) build
