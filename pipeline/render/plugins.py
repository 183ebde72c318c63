"""`[render] plugins = ["module:function"]`: rules from the blog's own repository.

Each entry names a Python file beside pipeline.toml (`module`, or `package.module` for
`package/module.py`) and a function in it, called with the run's `Renderer`:

    # blog_rules.py, beside pipeline.toml
    def setup(renderer):
        renderer.add_rule("callout", lambda block, r: "{{< notice >}}\\n" + r.children(block) + "\\n{{< /notice >}}")

The module is loaded from its file (nothing is added to sys.path), and its source is part of
the fingerprint (`Renderer.fingerprint`), so editing the rule re-renders every post.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.render.renderer import Renderer

_PLUGIN = re.compile(r"(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<function>[A-Za-z_]\w*)")


def load_plugins(renderer: Renderer, plugins: tuple[str, ...], root: Path) -> Renderer:
    """Apply each plugin of pipeline.toml (its folder is `root`) to the renderer."""
    for plugin in plugins:
        where = f"pipeline.toml [render] plugins: {plugin!r}"
        match = _PLUGIN.fullmatch(plugin)
        if match is None:
            raise ConfigError(f"{where} is not module:function (e.g. \"blog_rules:setup\" for blog_rules.py beside "
                              "pipeline.toml).")
        path = root.joinpath(*match["module"].split(".")).with_suffix(".py")
        if not path.is_file():
            raise ConfigError(f"{where}: there is no {path}.")
        spec = importlib.util.spec_from_file_location(f"notion_hugo_plugin.{match['module']}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as error:  # noqa: BLE001 - the site owner's code: named, exit 2
            raise ConfigError(f"{where}: {path} fails to load ({type(error).__name__}: {error}).") from error
        function = getattr(module, match["function"], None)
        if not callable(function):
            raise ConfigError(f"{where}: {path} has no function {match['function']!r}.")
        try:
            renderer.use(function)
        except Exception as error:  # noqa: BLE001
            raise ConfigError(f"{where}: {match['function']}(renderer) failed ({type(error).__name__}: {error}).") from error
    return renderer
