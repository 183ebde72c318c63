# Two commands on a fresh clone: `make demo` and `make test`. Both install what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STORE ?= data/kubernetes-learning-path.json
DEMO_DATA_SOURCE ?= f49e1ed9-ebb1-4a68-97b6-0fcc507da055
OUT ?= output/content/posts

.PHONY: install demo sync test lint clean chromium npm-packages screenshots

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

test: install chromium npm-packages
	$(PY) -m pytest -q

# The browser tests' headless Chromium, from Debian's packages (skipped when it is there), with a
# font named, not left to Recommends: the diagram and contrast checks measure rendered text.
chromium: /usr/bin/chromium
/usr/bin/chromium:
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-liberation

# mermaid and KaTeX, at the versions the site kit pins, served to that browser from tests/node_modules.
npm-packages: tests/node_modules/.package-lock.json
tests/node_modules/.package-lock.json: tests/package.json tests/package-lock.json
	npm ci --prefix tests --ignore-scripts --no-audit --no-fund --loglevel=error

# The README's screenshots (docs/seed-*.png): the seed post on the fixture theme, light and dark.
# The fonts draw the post's CJK punctuation and emoji.
screenshots: install chromium npm-packages /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
	$(PY) -m tests.browser docs
/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf:
	apt-get update && apt-get install -y fonts-noto-color-emoji
/usr/share/fonts/truetype/wqy/wqy-microhei.ttc:
	apt-get update && apt-get install -y fonts-wqy-microhei

lint: install
	$(PY) -m ruff check pipeline notion_emulator tests bench
	$(PY) -m mypy
	bash .ci/actionlint

clean:
	rm -rf $(VENV) build
