"""Parse task DDL (CREATE/ALTER/DROP/EXECUTE/SHOW/DESCRIBE TASK) into small statement objects.

Grammar from docs: sql-reference/sql/create-task, alter-task, drop-task, execute-task, show-tasks, desc-task.
The WHEN condition and the AS body are sliced verbatim from the original text; tokens come from sqlglot's
Snowflake tokenizer, so strings, $$-strings, quoted identifiers and comments are handled as Snowflake lexes them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple, NoReturn

import sqlglot
from sqlglot.errors import TokenError
from sqlglot.tokens import TokenType

from snowsim.emulator.tasks.model import (
    PROPERTY_FIELDS,
    OverlapPolicy,
    TaskDefinition,
    TaskName,
    TaskProperties,
)
from snowsim.emulator.tasks.schedule import (
    INVALID_SCHEDULE,
    SCHEDULE_ERRNO,
    SCHEDULE_SQLSTATE,
    InvalidScheduleError,
    parse_schedule,
)

# ---------------------------------------------------------------------------------------------------------------
# Errors, raised through two replaceable factories so the connection layer can substitute its own classes.
# ---------------------------------------------------------------------------------------------------------------


class TaskDDLError(Exception):
    """A Snowflake error for a task statement: errno, sqlstate and Snowflake's message text."""

    def __init__(self, errno: int, sqlstate: str, msg: str) -> None:
        super().__init__(msg)
        self.errno, self.sqlstate, self.msg = errno, sqlstate, msg

    def __str__(self) -> str:
        return f"{self.errno:06d} ({self.sqlstate}): {self.msg}"


class NotSupportedTaskConstruct(TaskDDLError):
    """Valid Snowflake task syntax that snowsim does not emulate; names the construct."""

    def __init__(self, construct: str) -> None:
        super().__init__(-1, "0A000", f"snowsim does not support {construct} in task statements")
        self.construct = construct

    def __str__(self) -> str:
        return self.msg


error_factory: Callable[[int, str, str], Exception] = TaskDDLError
not_supported_factory: Callable[[str], Exception] = NotSupportedTaskConstruct


def _fail(errno: int, sqlstate: str, msg: str) -> NoReturn:
    raise error_factory(errno, sqlstate, msg)


def _not_supported(construct: str) -> NoReturn:
    raise not_supported_factory(construct)


SYNTAX_ERRNO, SYNTAX_SQLSTATE = 1003, "42000"
# '001008 (22023): SQL compilation error:\ninvalid value [X] for parameter 'Y'' appears verbatim in Snowflake's own
# terraform provider tests; the texts for task parameters were seen in an emulator's tests said to match a real
# account (non-doc).
INVALID_VALUE_ERRNO, INVALID_VALUE_SQLSTATE = 1008, "22023"
# Errno/sqlstate below are NOT verified: the texts are non-doc observations (see each use) or, where marked, made up.
PROPERTY_ERRNO, PROPERTY_SQLSTATE = 1008, "22023"
INVALID_CONFIG = "Invalid config. Must be a string representation of a valid JSON Object."
WAREHOUSE_SIZES = ("XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "XXLARGE")  # docs: largest is XXLARGE


def _invalid_value(raw: str, parameter: str) -> NoReturn:
    msg = f"SQL compilation error:\ninvalid value [{raw}] for parameter '{parameter}'"
    _fail(INVALID_VALUE_ERRNO, INVALID_VALUE_SQLSTATE, msg)


def _compilation_error(text: str) -> NoReturn:
    _fail(PROPERTY_ERRNO, PROPERTY_SQLSTATE, f"SQL compilation error:\n{text}")


def validate_definition(definition: TaskDefinition) -> None:
    """Raise if the definition breaks a single-task rule of create-task (call it again after ALTER TASK ... SET)."""
    # docs: create-task. The message texts are NOT verified against Snowflake.
    if definition.warehouse is not None and definition.user_task_managed_initial_warehouse_size is not None:
        _compilation_error("Cannot specify both WAREHOUSE and USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE.")
    if definition.schedule is not None and definition.after:
        _compilation_error("A schedule cannot be specified for child tasks in a task graph.")
    if definition.finalize is not None and (definition.schedule is not None or definition.after):
        _compilation_error("A finalizer task cannot have a schedule or predecessors.")


# ---------------------------------------------------------------------------------------------------------------
# Statements
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateTask:
    """CREATE [OR REPLACE] TASK [IF NOT EXISTS] ..."""

    definition: TaskDefinition
    or_replace: bool = False
    if_not_exists: bool = False


class AlterAction(StrEnum):
    """What an ALTER TASK statement does (docs: alter-task)."""

    RESUME = "RESUME"
    SUSPEND = "SUSPEND"
    SET = "SET"  # properties
    UNSET = "UNSET"  # names
    SET_TAG = "SET_TAG"  # properties.tags
    UNSET_TAG = "UNSET_TAG"  # names
    ADD_AFTER = "ADD_AFTER"  # after
    REMOVE_AFTER = "REMOVE_AFTER"  # after
    MODIFY_AS = "MODIFY_AS"  # body
    MODIFY_WHEN = "MODIFY_WHEN"  # when
    REMOVE_WHEN = "REMOVE_WHEN"


@dataclass(frozen=True)
class AlterTask:
    """ALTER TASK [IF EXISTS] <name> <action>; only the fields of that action are filled."""

    name: TaskName
    action: AlterAction
    if_exists: bool = False
    properties: TaskProperties | None = None
    names: tuple[str, ...] = ()  # UPPERCASE property names (UNSET) or tag names (UNSET TAG)
    after: tuple[TaskName, ...] = ()
    body: str | None = None
    when: str | None = None


@dataclass(frozen=True)
class DropTask:
    """DROP TASK [IF EXISTS] <name>"""

    name: TaskName
    if_exists: bool = False


@dataclass(frozen=True)
class ExecuteTask:
    """EXECUTE TASK <name> [USING CONFIG = '...'] [AWAIT] | RETRY LAST | RETRY GRAPH RUN GROUP '<id>'"""

    name: TaskName
    config: str | None = None  # JSON object text, verbatim
    await_completion: bool = False
    retry_last: bool = False
    retry_graph_run_group: str | None = None


@dataclass(frozen=True)
class ShowTasks:
    """SHOW [TERSE] TASKS [LIKE] [IN ACCOUNT|DATABASE [db]|SCHEMA [sch]] [STARTS WITH] [ROOT ONLY] [LIMIT [FROM]]"""

    terse: bool = False
    like: str | None = None
    scope: str | None = None  # "ACCOUNT" | "DATABASE" | "SCHEMA" | None (current schema)
    scope_name: tuple[str, ...] = ()  # name parts, outermost first: (db,) for DATABASE, ([db,] schema) for SCHEMA
    starts_with: str | None = None
    root_only: bool = False
    limit: int | None = None
    limit_from: str | None = None


@dataclass(frozen=True)
class DescribeTask:
    """DESC[RIBE] TASK <name>"""

    name: TaskName


TaskStatement = CreateTask | AlterTask | DropTask | ExecuteTask | ShowTasks | DescribeTask

# The statements this module parses (a regex usable as an executor command pattern: case-insensitive, DOTALL).
TASK_STATEMENT_PATTERN = (
    r"\s*(?:(?:--|//)[^\n]*(?:\n|$)\s*|/\*.*?\*/\s*)*"  # leading comments
    r"(?:(?:CREATE\s+(?:OR\s+(?:REPLACE|ALTER)\s+)?|ALTER\s+|DROP\s+|EXECUTE\s+|DESC(?:RIBE)?\s+)TASK"
    r"|SHOW\s+(?:TERSE\s+)?TASKS)\b"
)
_TASK_STATEMENT = re.compile(TASK_STATEMENT_PATTERN, re.IGNORECASE | re.DOTALL)


def is_task_statement(sql: str) -> bool:
    """Whether `sql` is a task statement this module parses (a cheap prefix check, no tokenizing)."""
    return _TASK_STATEMENT.match(sql) is not None


def parse_task_statement(sql: str) -> TaskStatement:
    """Parse one task statement; raises Snowflake's 001003 syntax error (or another task error) on bad input."""
    return _Parser(sql).statement()


# ---------------------------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------------------------

_DIALECT = sqlglot.Dialect.get_or_raise("snowflake")
_COMMANDS = _DIALECT.tokenizer_class.COMMANDS
_STRINGS = {TokenType.STRING, TokenType.RAW_STRING, TokenType.NATIONAL_STRING, TokenType.HEREDOC_STRING}
_NOT_WORDS = _STRINGS | {TokenType.IDENTIFIER, TokenType.NUMBER, TokenType.BYTE_STRING, TokenType.HEX_STRING}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
# Snowflake's reserved keywords cannot be unquoted identifiers (docs: sql-reference/reserved-keywords).
_RESERVED_WORDS = (
    "ACCOUNT ALL ALTER AND ANY AS BETWEEN BY CASE CAST CHECK COLUMN CONNECT CONNECTION CONSTRAINT CREATE CROSS CURRENT "
    "CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DATABASE DELETE DISTINCT DROP ELSE EXISTS FALSE "
    "FOLLOWING FOR FROM FULL GRANT GROUP GSCLUSTER HAVING ILIKE IN INCREMENT INNER INSERT INTERSECT INTO IS ISSUE "
    "JOIN LATERAL LEFT LIKE LOCALTIME LOCALTIMESTAMP MINUS NATURAL NOT NULL OF ON OR ORDER ORGANIZATION QUALIFY "
    "REGEXP REVOKE RIGHT RLIKE ROW ROWS SAMPLE SCHEMA SELECT SET SOME START TABLE TABLESAMPLE THEN TO TRIGGER TRUE "
    "TRY_CAST UNION UNIQUE UPDATE USING VALUES VIEW WHEN WHENEVER WHERE WINDOW WITH"
)
_RESERVED = frozenset(_RESERVED_WORDS.split())


class _Tok(NamedTuple):
    kind: TokenType
    text: str  # sqlglot's text: string contents unquoted, identifiers unquoted
    start: int  # offsets into the statement, end exclusive
    end: int

    @property
    def word(self) -> str | None:
        """UPPERCASE text when this token is a bare word (keyword or unquoted identifier), else None."""
        if self.kind in _NOT_WORDS or not _WORD.fullmatch(self.text):
            return None
        return self.text.upper()


def _tokenize(sql: str, offset: int = 0) -> list[_Tok]:
    out: list[_Tok] = []
    raw = _DIALECT.tokenize(sql)
    for i, t in enumerate(raw):
        out.append(_Tok(t.token_type, t.text, t.start + offset, t.end + 1 + offset))
        # At a statement start sqlglot swallows the rest after EXECUTE/CALL/... into one STRING token (with
        # unusable offsets): lex that remainder again ourselves.
        if t.token_type in _COMMANDS and i + 1 < len(raw) and raw[i + 1].token_type == TokenType.STRING:
            return out + _tokenize(sql[t.end + 1 :], offset + t.end + 1)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class _Value:
    kind: str  # "string" | "number" | "name"
    text: str  # string contents, number text, or the name rendered
    raw: str  # the source text, for error messages
    name: TaskName | None = None


class _Parser:
    def __init__(self, sql: str) -> None:
        self.sql = sql
        try:
            tokens = _tokenize(sql)
        except TokenError:
            # An unterminated string/comment/identifier: Snowflake reports it at the end (position NOT verified).
            self.toks, self.i = [], 0
            self.error()
        while tokens and tokens[-1].kind == TokenType.SEMICOLON:
            tokens.pop()  # statement terminators are not part of the statement
        self.toks, self.i = tokens, 0

    # -- token helpers ----------------------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> _Tok | None:
        j = self.i + ahead
        return self.toks[j] if j < len(self.toks) else None

    def at(self, *words: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok is not None and tok.word in words

    def accept(self, *words: str) -> str | None:
        if self.at(*words):
            self.i += 1
            return self.toks[self.i - 1].word
        return None

    def expect(self, *words: str) -> str:
        found = self.accept(*words)
        if found is None:
            self.error()
        return found

    def accept_kind(self, kind: TokenType) -> _Tok | None:
        tok = self.peek()
        if tok is not None and tok.kind == kind:
            self.i += 1
            return tok
        return None

    def expect_kind(self, kind: TokenType) -> _Tok:
        tok = self.accept_kind(kind)
        if tok is None:
            self.error()
        return tok

    def end(self) -> None:
        if self.peek() is not None:
            self.error()

    def error(self, tok: _Tok | None = None) -> NoReturn:
        """Snowflake's 001003 syntax error at `tok` (default: the current token, or end of input)."""
        tok = tok or self.peek()
        if tok is None:
            offset, near = len(self.sql.rstrip()), "<EOF>"
        else:
            offset, near = tok.start, self.sql[tok.start : tok.end]
        line = self.sql.count("\n", 0, offset) + 1
        position = offset - (self.sql.rfind("\n", 0, offset) + 1)
        msg = f"SQL compilation error:\nsyntax error line {line} at position {position} unexpected '{near}'."
        _fail(SYNTAX_ERRNO, SYNTAX_SQLSTATE, msg)

    # -- shared pieces ----------------------------------------------------------------------------------------

    def identifier(self) -> str:
        tok = self.peek()
        if tok is not None and tok.kind == TokenType.IDENTIFIER:
            self.i += 1
            return tok.text  # quoted: exact (sqlglot already turned "" into ")
        if tok is None or tok.word is None or tok.word in _RESERVED:
            self.error()
        self.i += 1
        return tok.word  # unquoted: folded to UPPERCASE

    def name(self) -> TaskName:
        parts = [self.identifier()]
        while len(parts) < 3 and self.accept_kind(TokenType.DOT):
            parts.append(self.identifier())
        parts.reverse()
        return TaskName(*parts)

    def names(self) -> tuple[TaskName, ...]:
        found = [self.name()]
        while self.accept_kind(TokenType.COMMA):
            found.append(self.name())
        return tuple(found)

    def string(self) -> str:
        tok = self.peek()
        if tok is None or tok.kind not in _STRINGS:
            self.error()
        self.i += 1
        return tok.text

    def value(self) -> _Value:
        tok = self.peek()
        if tok is None:
            self.error()
        if tok.kind in _STRINGS:
            self.i += 1
            return _Value("string", tok.text, self.sql[tok.start : tok.end])
        nxt = self.peek(1)
        if tok.kind in (TokenType.DASH, TokenType.PLUS) and nxt is not None and nxt.kind == TokenType.NUMBER:
            self.i += 2
            sign = "-" if tok.kind == TokenType.DASH else ""
            return _Value("number", sign + nxt.text, self.sql[tok.start : nxt.end])
        if tok.kind == TokenType.NUMBER:
            self.i += 1
            return _Value("number", tok.text, tok.text)
        if tok.word in ("TRUE", "FALSE"):  # reserved words, so not a name
            self.i += 1
            return _Value("name", tok.word, tok.text)
        start = tok.start
        name = self.name()
        return _Value("name", str(name), self.sql[start : self.toks[self.i - 1].end], name)

    def rest_text(self) -> str:
        """The remaining statement text verbatim (MODIFY AS / MODIFY WHEN); a syntax error when empty."""
        if self.peek() is None:
            self.error()
        text = self.sql[self.peek().start : self.toks[-1].end]
        self.i = len(self.toks)
        return text

    def body(self) -> str:
        """The task body after AS: one statement, or a Snowflake Scripting block that may hold ';' inside."""
        first = self.peek()
        if first is None:
            self.error()
        if first.word not in ("BEGIN", "DECLARE"):
            for j in range(self.i, len(self.toks)):
                if self.toks[j].kind == TokenType.SEMICOLON:
                    self.error(self.toks[j + 1])  # a second statement after the body
        return self.rest_text()

    # -- properties -------------------------------------------------------------------------------------------

    def properties(self, stop: tuple[str, ...]) -> TaskProperties:
        """`NAME = value` pairs separated by blanks or commas, up to a stop word or the end."""
        props = TaskProperties()
        seen: set[str] = set()
        while self.peek() is not None and not self.at(*stop):
            self.property(props, seen)
            self.accept_kind(TokenType.COMMA)
        return props

    def property(self, props: TaskProperties, seen: set[str]) -> None:
        tok = self.peek()
        key = self.expect_word_token()
        if key == "WITH" and self.at("TAG", "CONTACT"):
            key = self.expect("TAG", "CONTACT")
        if key == "TAG":
            props.tags.update(self.tags(parenthesized=True))
            return
        if key == "CONTACT":
            _not_supported("WITH CONTACT")
        if key == "EXECUTE" and self.at("AS"):
            _not_supported("EXECUTE AS USER")
        if key == "COPY" and self.accept("GRANTS"):
            return  # older syntax; grants are not emulated
        written = tok.text
        if written in seen:  # observed (non-doc): only an identically spelled repeat is refused
            _compilation_error(f"duplicate property '{written}';")
        seen.add(written)
        self.expect_kind(TokenType.EQ)
        value = self.value()
        target = PROPERTY_FIELDS.get(key)
        if target is None:
            props.session_parameters[key] = value.text
        else:
            props.values[target] = _convert(key, value)

    def expect_word_token(self) -> str:
        tok = self.peek()
        if tok is None or tok.word is None:
            self.error()
        self.i += 1
        return tok.word

    def tags(self, parenthesized: bool) -> dict[str, str]:
        if parenthesized:
            self.expect_kind(TokenType.L_PAREN)
        found: dict[str, str] = {}
        while True:
            tag = str(self.name())
            self.expect_kind(TokenType.EQ)
            found[tag] = self.string()
            if not self.accept_kind(TokenType.COMMA):
                break
        if parenthesized:
            self.expect_kind(TokenType.R_PAREN)
        return found

    # -- statements -------------------------------------------------------------------------------------------

    def statement(self) -> TaskStatement:
        verb = self.expect("CREATE", "ALTER", "DROP", "EXECUTE", "SHOW", "DESC", "DESCRIBE")
        if verb == "SHOW":
            return self.show()
        if verb == "CREATE":
            return self.create()
        self.expect("TASK")
        if verb == "ALTER":
            return self.alter()
        if verb == "DROP":
            if_exists = self._if_exists()
            statement: TaskStatement = DropTask(self.name(), if_exists)
        elif verb == "EXECUTE":
            statement = self.execute()
        else:
            statement = DescribeTask(self.name())
        self.end()
        return statement

    def _if_exists(self) -> bool:
        if self.at("IF") and self.at("EXISTS", ahead=1):
            self.i += 2
            return True
        return False

    def create(self) -> CreateTask:
        or_replace = False
        if self.accept("OR"):
            if self.accept("ALTER"):
                _not_supported("CREATE OR ALTER TASK")
            self.expect("REPLACE")
            or_replace = True
        self.expect("TASK")
        if_not_exists = False
        if self.at("IF") and self.at("NOT", ahead=1) and self.at("EXISTS", ahead=2):
            if or_replace:  # docs: the two clauses are mutually exclusive; message text NOT verified
                _compilation_error("IF NOT EXISTS and OR REPLACE are incompatible.")
            self.i += 3
            if_not_exists = True
        name = self.name()
        if self.at("CLONE"):
            _not_supported("CREATE TASK ... CLONE")
        props = self.properties(stop=("AFTER", "WHEN", "AS"))
        after: tuple[TaskName, ...] = ()
        if self.accept("AFTER"):
            after = self.names()
        when = None
        if self.accept("WHEN"):
            when = self.condition()
        self.expect("AS")
        body = self.body()
        definition = TaskDefinition(
            name=name.name,
            schema=name.schema,
            database=name.database,
            **props.values,
            session_parameters=props.session_parameters,
            tags=props.tags,
            after=after,
            when=when,
            body=body,
        )
        validate_definition(definition)
        return CreateTask(definition, or_replace, if_not_exists)

    def condition(self) -> str:
        """The WHEN expression up to the AS at parenthesis depth 0, verbatim."""
        start, depth = self.i, 0
        while (tok := self.peek()) is not None and not (depth == 0 and tok.word == "AS"):
            depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tok.kind, 0)
            self.i += 1
        if self.i == start:
            self.error()
        return self.sql[self.toks[start].start : self.toks[self.i - 1].end]

    def alter(self) -> AlterTask:
        if_exists = self._if_exists()
        name = self.name()
        action = self.expect("RESUME", "SUSPEND", "SET", "UNSET", "ADD", "REMOVE", "MODIFY")
        fields: dict[str, Any] = {}
        if action in ("RESUME", "SUSPEND"):
            kind = AlterAction(action)
        elif action == "SET" and self.accept("TAG"):
            kind, fields["properties"] = AlterAction.SET_TAG, TaskProperties(tags=self.tags(parenthesized=False))
        elif action == "SET":
            if self.at("CONTACT"):
                _not_supported("ALTER TASK ... SET CONTACT")
            if self.peek() is None:
                self.error()
            kind, fields["properties"] = AlterAction.SET, self.properties(stop=())
        elif action == "UNSET" and self.accept("TAG"):
            kind, fields["names"] = AlterAction.UNSET_TAG, tuple(str(n) for n in self.names())
        elif action == "UNSET":
            kind, fields["names"] = AlterAction.UNSET, self.unset_names()
        elif action == "ADD":
            self.expect("AFTER")
            kind, fields["after"] = AlterAction.ADD_AFTER, self.names()
        elif action == "REMOVE":
            if self.accept("WHEN"):
                kind = AlterAction.REMOVE_WHEN
            else:
                self.expect("AFTER")
                kind, fields["after"] = AlterAction.REMOVE_AFTER, self.names()
        elif self.expect("AS", "WHEN") == "AS":
            kind, fields["body"] = AlterAction.MODIFY_AS, self.body()
        else:
            kind, fields["when"] = AlterAction.MODIFY_WHEN, self.rest_text()
        self.end()
        return AlterTask(name, kind, if_exists, **fields)

    def unset_names(self) -> tuple[str, ...]:
        """UNSET a, b, c: names only, comma-separated (docs: alter-task); a value after a name is an error."""
        found = [self.expect_word_token()]
        while self.accept_kind(TokenType.COMMA):
            found.append(self.expect_word_token())
        return tuple(found)

    def execute(self) -> ExecuteTask:
        name = self.name()
        if self.accept("RETRY"):
            if self.accept("LAST"):
                return ExecuteTask(name, retry_last=True)
            self.expect("GRAPH")
            self.expect("RUN")
            self.expect("GROUP")
            return ExecuteTask(name, retry_graph_run_group=self.string())
        config = None
        if self.accept("USING"):
            self.expect("CONFIG")
            self.expect_kind(TokenType.EQ)
            config = _json_object(self.value())
        return ExecuteTask(name, config=config, await_completion=self.accept("AWAIT") is not None)

    def show(self) -> ShowTasks:
        terse = self.accept("TERSE") is not None
        self.expect("TASKS")
        fields: dict[str, Any] = {"terse": terse}
        if self.accept("LIKE"):
            fields["like"] = self.string()
        if self.accept("IN"):
            clause_words = ("STARTS", "ROOT", "LIMIT")
            scope = self.accept("ACCOUNT", "DATABASE", "SCHEMA", "APPLICATION")
            if scope == "APPLICATION":
                _not_supported("SHOW TASKS IN APPLICATION")
            if scope is None:  # docs: 'IN [ SCHEMA ] <schema_name>'
                scope = "SCHEMA"
                fields["scope_name"] = self.name().parts
            elif scope != "ACCOUNT" and self.peek() is not None and not self.at(*clause_words):
                fields["scope_name"] = self.name().parts
            fields["scope"] = scope
        if self.accept("STARTS"):
            self.expect("WITH")
            fields["starts_with"] = self.string()
        if self.accept("ROOT"):
            self.expect("ONLY")
            fields["root_only"] = True
        if self.accept("LIMIT"):
            tok = self.expect_kind(TokenType.NUMBER)
            if not tok.text.isdigit():
                self.error(tok)
            fields["limit"] = int(tok.text)
            if self.accept("FROM"):
                fields["limit_from"] = self.string()
        self.end()
        return ShowTasks(**fields)


# ---------------------------------------------------------------------------------------------------------------
# Property values
# ---------------------------------------------------------------------------------------------------------------

_INT_RANGES = {  # docs: create-task "Values:"
    "USER_TASK_TIMEOUT_MS": (0, 604_800_000),
    "SUSPEND_TASK_AFTER_NUM_FAILURES": (0, None),
    "TASK_AUTO_RETRY_ATTEMPTS": (0, 30),
    "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS": (10, 604_800),
}


def _convert(key: str, value: _Value) -> Any:
    """Turn a property value into its TaskDefinition field value, refusing it as Snowflake does."""
    if key == "SCHEDULE":
        if value.kind != "string":
            _fail(SCHEDULE_ERRNO, SCHEDULE_SQLSTATE, INVALID_SCHEDULE)  # errno/sqlstate NOT verified
        try:
            return parse_schedule(value.text)
        except InvalidScheduleError as exc:
            raise error_factory(exc.errno, exc.sqlstate, exc.msg) from exc
    if key in _INT_RANGES:
        if value.kind != "number" or not re.fullmatch(r"-?[0-9]+", value.text):
            _invalid_value(value.raw, key)
        number = int(value.text)
        low, high = _INT_RANGES[key]
        if number < low or (high is not None and number > high):
            _invalid_value(f"{number:,}", key)
        return number
    if key == "CONFIG":
        return _json_object(value)
    if key == "OVERLAP_POLICY":
        # Observed (non-doc): a bare word matches in any case, a quoted one only exactly.
        policy = value.text.upper() if value.kind == "name" else value.text
        if policy not in OverlapPolicy.__members__:
            _compilation_error(f"invalid value '{value.text}' for property 'OVERLAP_POLICY'")
        return OverlapPolicy(policy)
    if key == "ALLOW_OVERLAPPING_EXECUTION":  # docs: TRUE maps to ALLOW_CHILD_OVERLAP, FALSE to NO_OVERLAP
        if value.kind != "name" or value.text not in ("TRUE", "FALSE"):
            _invalid_value(value.raw, key)
        return OverlapPolicy.ALLOW_CHILD_OVERLAP if value.text == "TRUE" else OverlapPolicy.NO_OVERLAP
    if key == "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE":
        # warehouse-size spellings: 'X-SMALL' = XSMALL, 'X2LARGE' = XXLARGE (docs: create-warehouse; NOT verified here)
        size = value.text.upper().replace("-", "").replace("X2LARGE", "XXLARGE")
        if value.kind == "number" or size not in WAREHOUSE_SIZES:
            _invalid_value(value.text, key)
        return size
    if key == "COMMENT":
        if value.kind != "string":
            _invalid_value(value.raw, key)
        return value.text
    if key == "FINALIZE":
        if value.name is None:
            _invalid_value(value.raw, key)  # message NOT verified
        return value.name
    # WAREHOUSE, ERROR_INTEGRATION, SUCCESS_INTEGRATION: an identifier (or its text as a string literal)
    if value.kind == "number":
        _invalid_value(value.raw, key)
    return value.name.name if value.name is not None and len(value.name.parts) == 1 else value.text


def _json_object(value: _Value) -> str:
    """CONFIG text, which must be a JSON object (docs: create-task CONFIG; message seen as non-doc)."""
    try:
        parsed = json.loads(value.text) if value.kind == "string" else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        _fail(PROPERTY_ERRNO, PROPERTY_SQLSTATE, INVALID_CONFIG)
    return value.text
