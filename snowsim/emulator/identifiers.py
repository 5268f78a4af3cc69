"""Snowflake identifier rules: unquoted names fold to UPPERCASE, quoted names keep their exact text."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp


def normalize(part: str | exp.Identifier) -> str:
    """Snowflake's stored name for an identifier written in SQL (a sqlglot Identifier or raw text)."""
    if isinstance(part, exp.Identifier):
        return part.this if part.quoted else part.this.upper()
    text = part.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return text.upper()


def split_name(text: str) -> list[str]:
    """Split a dotted name (`db.sch."My Table"`) into normalised parts, honouring quotes."""
    parts: list[str] = []
    buf: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            if quoted and i + 1 < len(text) and text[i + 1] == '"':
                buf.append('""')
                i += 2
                continue
            quoted = not quoted
            buf.append(ch)
        elif ch == "." and not quoted:
            parts.append(normalize("".join(buf)))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append(normalize("".join(buf)))
    return parts


def quote(name: str) -> str:
    """Render a stored name as SQL: bare when Snowflake would fold it to itself, quoted otherwise."""
    if name and (name[0].isalpha() or name[0] == "_") and all(c.isalnum() or c in "_$" for c in name) and name == name.upper():
        return name
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class ObjectName:
    """A fully qualified Snowflake object name: database.schema.name (stored forms)."""

    database: str
    schema: str
    name: str

    def __str__(self) -> str:
        return f"{quote(self.database)}.{quote(self.schema)}.{quote(self.name)}"

    @property
    def duck_schema(self) -> str:
        """The DuckDB schema holding this object's physical tables."""
        return duck_schema(self.database, self.schema)


def duck_schema(database: str, schema: str) -> str:
    """One DuckDB schema per Snowflake schema, so all state fits in one DuckDB file."""
    return f"{database}.{schema}"


def duck_ident(name: str) -> str:
    """A DuckDB quoted identifier."""
    return '"' + name.replace('"', '""') + '"'
