"""Code block languages, both ways: Notion's names (the code block's `language` enum) ↔ the
fence names Hugo's highlighter (Chroma) reads. Sync writes `chroma_name`, import reads back
with `notion_language`; one table serves both, so a name written is a name read."""

from __future__ import annotations

import re

# notion-sdk-js api-endpoints `LanguageRequest`: every language a code block can name.
NOTION = frozenset((
    "abap", "abc", "agda", "arduino", "ascii art", "assembly", "bash", "basic", "bnf", "c", "c#", "c++", "clojure",
    "coffeescript", "coq", "css", "dart", "dhall", "diff", "docker", "ebnf", "elixir", "elm", "erlang", "f#", "flow",
    "fortran", "gherkin", "glsl", "go", "graphql", "groovy", "haskell", "hcl", "html", "idris", "java", "javascript",
    "json", "julia", "kotlin", "latex", "less", "lisp", "livescript", "llvm ir", "lua", "makefile", "markdown",
    "markup", "matlab", "mathematica", "mermaid", "nix", "notion formula", "objective-c", "ocaml", "pascal", "perl",
    "php", "plain text", "powershell", "prolog", "protobuf", "purescript", "python", "r", "racket", "reason", "ruby",
    "rust", "sass", "scala", "scheme", "scss", "shell", "smalltalk", "solidity", "sql", "swift", "toml", "typescript",
    "vb.net", "verilog", "vhdl", "visual basic", "webassembly", "xml", "yaml", "java/c/c++/c#",
))

# Notion's names → Chroma lexer names or aliases, where they differ; the others are Chroma names
# already, or have no lexer and are kept for client-side highlighters (and `mermaid` for the
# site kit's render hook). Read backwards, the first name of a Chroma name is the one import gives.
TO_CHROMA = {
    "plain text": "text",
    "ascii art": "text",
    "notion formula": "text",
    "assembly": "asm",
    "c++": "cpp",
    "c#": "csharp",
    "f#": "fsharp",
    "objective-c": "objectivec",
    "pascal": "objectpascal",
    "llvm ir": "llvm",
    "vb.net": "vbnet",
    "visual basic": "vbnet",
    "java/c/c++/c#": "java",
    "markup": "html",
    "webassembly": "wat",
    "flow": "javascript",
}

# Other fence names blogs write (Chroma's aliases, file extensions) → Notion's.
ALIASES = {
    "": "plain text", "txt": "plain text", "plaintext": "plain text", "cxx": "c++", "cs": "c#",
    "objc": "objective-c", "wasm": "webassembly", "js": "javascript", "jsx": "javascript", "ts": "typescript",
    "tsx": "typescript", "py": "python", "python3": "python", "rb": "ruby", "rs": "rust", "sh": "shell", "zsh": "shell",
    "console": "shell", "shell-session": "shell", "yml": "yaml", "dockerfile": "docker", "golang": "go", "kt": "kotlin",
    "md": "markdown", "tex": "latex", "ps1": "powershell", "make": "makefile", "hs": "haskell", "proto": "protobuf",
    "terraform": "hcl", "tf": "hcl", "htm": "html", "svg": "xml", "jsonc": "json", "ex": "elixir", "erl": "erlang",
    "ml": "ocaml", "sol": "solidity", "clj": "clojure", "coffee": "coffeescript", "pl": "perl", "gql": "graphql",
}
_FROM_CHROMA: dict[str, str] = {}
for _notion, _chroma in TO_CHROMA.items():
    _FROM_CHROMA.setdefault(_chroma, _notion)


def chroma_name(language: str) -> str:
    """The fence name sync writes for one of Notion's code languages."""
    language = (language or "plain text").lower()
    return TO_CHROMA.get(language, re.sub(r"[^a-z0-9_+-]", "", language))


def notion_language(name: str) -> str | None:
    """Notion's name for a fence name (lower case), or None when Notion has no such language."""
    return name if name in NOTION else _FROM_CHROMA.get(name) or ALIASES.get(name)
