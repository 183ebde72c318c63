"""Text on its way to a terminal, a log or a report: control characters shown escaped, and the
token never shown. Titles, URLs and error messages come from Notion (or from an exception
quoting what a server said), so anything printed passes through `shown`."""

from __future__ import annotations

import json
import re

# C0 and C1 controls (ESC, OSC's BEL, \r, CSI U+009B, …), DEL, the bidirectional overrides
# that reorder what a terminal shows, and lone surrogates (which no stream can encode). A line
# break is kept only where the tool made the line.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_CONTROL_OR_NEWLINE = re.compile(_CONTROL.pattern[:-1] + "\n]")
REDACTED = "[NOTION_TOKEN]"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escaped(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control character written as an escape (`\\x1b`), so it cannot move
    the cursor, rewrite a line or reach the clipboard."""
    return (_CONTROL if keep_newlines else _CONTROL_OR_NEWLINE).sub(_escape, text)


def json_text(data: object) -> str:
    """`data` as indented JSON whose strings show every control character as a \\u escape
    (json.dumps leaves DEL, the C1 controls and the bidirectional overrides as they are)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def redacted(text: str, secrets: list[str], mark: str = REDACTED) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, mark)
    return text


def token_problem(token: str, variable: str = "NOTION_TOKEN") -> str | None:
    """Why a token value cannot be a token (never quoting it), or None. Notion's and GitHub's
    secrets are printable ASCII without spaces; anything else would be echoed by the HTTP
    library's own error about an invalid header."""
    for position, char in enumerate(token, 1):
        if not (char.isascii() and char.isprintable()) or char.isspace():
            kind = "a space" if char == " " else "a line break" if char in "\r\n" else "a character no token has"
            return f"{variable} holds {kind} at position {position}"
    return None
