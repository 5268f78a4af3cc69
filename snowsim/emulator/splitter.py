"""Split a SQL script into statements at top-level semicolons (Snowflake Scripting blocks stay whole)."""

from __future__ import annotations

import re

_LEX = re.compile(
    r"""(?P<str>'(?:[^'\\]|\\.|'')*')|(?P<ident>"(?:[^"]|"")*")|(?P<dollar>\$\$.*?\$\$)"""
    r"""|(?P<comment>--[^\n]*|//[^\n]*|/\*.*?\*/)|(?P<word>[A-Za-z_][A-Za-z0-9_$]*)|(?P<semi>;)""",
    re.S,
)
_NOT_A_BLOCK = {"TRANSACTION", "WORK", "NAME"}
_END_OF_OTHER = {"IF", "FOR", "LOOP", "WHILE", "REPEAT"}


def split_statements(script: str) -> list[str]:
    """Statements of a script without their terminating semicolons; comments-only pieces are dropped."""
    out: list[str] = []
    start = 0
    block = 0  # BEGIN ... END nesting (Scripting blocks, e.g. a task body)
    declared = 0  # DECLARE sections waiting for their BEGIN: DECLARE ... BEGIN ... END is one block
    case = 0  # CASE ... END nesting inside expressions
    tokens = list(_LEX.finditer(script))
    for i, m in enumerate(tokens):
        if m.lastgroup == "word":
            word = m.group().upper()
            nxt = _next_word(tokens, i)
            if word == "DECLARE":
                block += 1  # its declarations end with ';' too (docs: developer-guide/snowflake-scripting/blocks)
                declared += 1
            elif word == "BEGIN" and nxt not in _NOT_A_BLOCK and not _next_is_semi(tokens, i):
                if declared:
                    declared -= 1  # the body of the DECLARE section's block, already counted
                else:
                    block += 1
            elif word == "CASE":
                case += 1
            elif word == "END":
                if nxt in _END_OF_OTHER:
                    continue
                if case > 0:
                    case -= 1
                elif block > 0:
                    block -= 1
        elif m.lastgroup == "semi" and block == 0:
            _emit(out, script[start : m.start()])
            start = m.end()
    _emit(out, script[start:])
    return out


def _next_word(tokens: list[re.Match[str]], i: int) -> str | None:
    for m in tokens[i + 1 :]:
        if m.lastgroup == "comment":
            continue
        return m.group().upper() if m.lastgroup == "word" else None
    return None


def _next_is_semi(tokens: list[re.Match[str]], i: int) -> bool:
    for m in tokens[i + 1 :]:
        if m.lastgroup == "comment":
            continue
        return m.lastgroup == "semi"
    return True


def _emit(out: list[str], piece: str) -> None:
    stripped = _LEX.sub(lambda m: "" if m.lastgroup == "comment" else m.group(), piece).strip()
    if stripped:
        out.append(piece.strip())
