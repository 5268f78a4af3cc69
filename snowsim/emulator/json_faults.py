"""Why a JSON document does not parse, in the words Snowflake's loader uses ("incomplete object value", ...).

Only the first bad record of a file is described (COPY reports one error per file), so this small scanner runs on
a handful of strings per statement, never per row; DuckDB's json_valid() does the vectorised good/bad split.
Snowflake documents none of these texts: they follow error messages seen from the service (COPY's first_error shows
them without the ", pos N" that PARSE_JSON appends; the position goes to first_error_character instead). Like
Snowflake's reader, the scanner tolerates unquoted object keys and a trailing comma; DuckDB tolerates only the
latter, so a record with unquoted keys is rejected with a reason that says snowsim reads strict JSON.
"""

from __future__ import annotations

import json

_WORDS = {"true", "false", "null", "NaN", "Infinity", "-Infinity", "undefined"}


class _Fault(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos  # 1-based character position


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in " \t\r\n":
            self.i += 1

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def end(self, container: str) -> _Fault:
        return _Fault(f"incomplete {container} value", len(self.text) + 1)

    def misplaced(self, ch: str) -> _Fault:
        what = {",": "comma", ":": "colon"}.get(ch, ch)
        return _Fault(f"misplaced {what}", self.i + 1)

    def value(self, container: str | None) -> None:
        self.ws()
        ch = self.peek()
        if ch == "":
            if container is None:
                return
            raise self.end(container)
        if ch == "{":
            self.i += 1
            self.members("object", "}")
        elif ch == "[":
            self.i += 1
            self.members("array", "]")
        elif ch == '"':
            self.string()
        elif ch in "}],:":
            raise self.misplaced(ch)
        elif ch == "-" or ch.isdigit():
            self.number()
        elif ch.isalpha() or ch == "_":
            start = self.i
            while self.i < len(self.text) and (self.text[self.i].isalnum() or self.text[self.i] in "_$"):
                self.i += 1
            word = self.text[start : self.i]
            if word not in _WORDS:
                raise _Fault(f'unknown keyword "{word}"', self.i + 1)
        else:
            raise _Fault(f"invalid character outside of a string: '{ch}'", self.i + 1)

    def string(self) -> None:
        self.i += 1
        while self.i < len(self.text):
            ch = self.text[self.i]
            if ch == "\\":
                self.i += 2
                continue
            self.i += 1
            if ch == '"':
                return
        raise _Fault("unterminated string", len(self.text) + 1)

    def number(self) -> None:
        start = self.i
        if self.peek() == "-":
            self.i += 1
            if not self.peek().isdigit():
                if self.peek() == "-":
                    raise _Fault("stray minus sign", self.i + 1)
                if self.peek() == "":
                    raise _Fault("no number after a sign", self.i + 1)
        while self.i < len(self.text) and (self.text[self.i].isdigit() or self.text[self.i] in ".eE+-"):
            self.i += 1
        if self.i < len(self.text) and (self.text[self.i].isalpha() or self.text[self.i] == "_"):
            while self.i < len(self.text) and self.text[self.i].isalnum():
                self.i += 1
            raise _Fault(f"garbage in the numeric literal: {self.text[start:self.i]} ", self.i + 1)

    def key(self) -> None:
        if self.peek() == '"':
            self.string()
            return
        start = self.i
        while self.i < len(self.text) and (self.text[self.i].isalnum() or self.text[self.i] in "_$"):
            self.i += 1
        if self.i == start:
            ch = self.peek()
            if ch in "],:":
                raise self.misplaced(ch)
            raise _Fault(f"invalid character outside of a string: '{ch}'", self.i + 1)

    def members(self, container: str, closer: str) -> None:
        while True:
            self.ws()
            ch = self.peek()
            if ch == "":
                raise self.end(container)
            if ch == closer:  # also after a trailing comma, which Snowflake tolerates
                self.i += 1
                return
            if container == "object":
                self.key()
                self.ws()
                ch = self.peek()
                if ch == "":
                    raise self.end(container)
                if ch in "}]":
                    raise self.misplaced(ch)
                if ch != ":":
                    raise _Fault("missing colon", self.i + 1)
                self.i += 1
            self.value(container)
            self.ws()
            ch = self.peek()
            if ch == "":
                raise self.end(container)
            if ch == ",":
                self.i += 1
                self.ws()
                if self.peek() == ",":
                    raise self.misplaced(",")
                continue
            if ch == closer:
                self.i += 1
                return
            if ch in "}]":
                raise self.misplaced(ch)
            raise _Fault("missing comma", self.i + 1)


def fault(text: str) -> tuple[str, int]:
    """(reason, 1-based character) for a document DuckDB rejected; a generic reason if this scanner accepts it."""
    scanner = _Scanner(text)
    try:
        scanner.value(None)
        scanner.ws()
        if scanner.i < len(text):
            rest = text[scanner.i]
            if rest in '{["':
                return "more than one document in the input", scanner.i + 1
            return "garbage after valid input document", scanner.i + 1
    except _Fault as exc:
        return exc.message, exc.pos
    duplicate = _duplicate_key(text)
    if duplicate is not None:
        return duplicate
    # DuckDB refused what Snowflake's reader may accept (e.g. unquoted keys): say so rather than invent a reason.
    return "invalid JSON text (snowsim accepts strict JSON only)", 1


def _duplicate_key(text: str) -> tuple[str, int] | None:
    """The first repeated key of the top-level object (ALLOW_DUPLICATE = FALSE), reported past its closing quote."""
    try:
        doc = json.loads(text, object_pairs_hook=lambda pairs: pairs)
    except ValueError:
        return None
    if not isinstance(doc, list) or not all(isinstance(p, tuple) for p in doc):
        return None
    seen: set[str] = set()
    for key, _ in doc:
        if key in seen:
            quoted = json.dumps(key)
            first = text.find(quoted)
            second = text.find(quoted, first + len(quoted))
            return f"duplicate object attribute {quoted}", second + len(quoted)
        seen.add(key)
    return None
