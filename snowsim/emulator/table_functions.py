"""FLATTEN, SPLIT_TO_TABLE and GENERATOR: Snowflake table functions as DuckDB subqueries (docs: sql-reference/functions/
flatten, sql-reference/functions/split_to_table, sql-reference/functions/generator, seq1).

`LATERAL FLATTEN(INPUT => t.v)` and `TABLE(FLATTEN(...))` become a LATERAL subquery over DuckDB's json_each /
json_tree, with Snowflake's columns SEQ, KEY, PATH, INDEX, VALUE, THIS. OUTER => TRUE keeps one row for an input that
expands to nothing, via a LEFT JOIN inside the subquery. SPLIT_TO_TABLE(s, d) becomes a subquery unnesting the split
string, with columns SEQ, INDEX (one-based), VALUE (VARCHAR).

Column names and types: sqlglot's qualify names a table function's columns from the dialect's
DEFAULT_FUNCTIONS_COLUMN_NAMES (registered below for FLATTEN), so an unqualified VALUE resolves to the function like
any other column (docs: flatten); their types are given to sqlglot's type annotation (_seed_column_types).

SEQ: DuckDB evaluates a correlated subquery once per distinct input value, so the subquery cannot tell two input
rows with equal values apart; SEQ is derived from the input value (equal inputs share a SEQ, where Snowflake gives
each input row its own). The docs promise no more than "unique per input record, not ordered, not gap-free".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.dialects.snowflake import Snowflake
from sqlglot.optimizer.annotate_types import TypeAnnotator
from sqlglot.optimizer.scope import Scope

from snowsim.emulator import errors, translate
from snowsim.emulator.conversion import to_text
from snowsim.emulator.sqlfuncs import (
    NUMBER,
    VARIANT,
    call,
    handles,
    kind,
    not_supported,
    template,
    typed,
)

if TYPE_CHECKING:
    from snowsim.emulator.translate import Translator

FLATTEN_COLUMNS = ("SEQ", "KEY", "PATH", "INDEX", "VALUE", "THIS")
SPLIT_TO_TABLE_COLUMNS = ("SEQ", "INDEX", "VALUE")
# sqlglot knows SPLIT_TO_TABLE's columns; FLATTEN's it knows only after LATERAL (it parses TABLE(FLATTEN()) bare)
Snowflake.DEFAULT_FUNCTIONS_COLUMN_NAMES[exp.Explode] = FLATTEN_COLUMNS
_MODES = {"BOTH": "'OBJECT', 'ARRAY'", "OBJECT": "'OBJECT'", "ARRAY": "'ARRAY'"}
_INTERNAL = "sf_internal"  # marks the DuckDB table functions our subqueries use (see _passthrough)


def _flatten_args(fn: exp.Expression, tr: Translator) -> dict[str, exp.Expression]:
    args: dict[str, exp.Expression] = {}
    positional = [fn.this, *fn.expressions] if isinstance(fn, exp.Explode) else list(fn.expressions)
    for i, arg in enumerate(a for a in positional if a is not None):
        if isinstance(arg, exp.Kwarg):
            args[arg.this.name.upper()] = arg.expression
        elif i == 0:
            args["INPUT"] = arg
        else:
            raise not_supported("FLATTEN with positional arguments after INPUT", tr)
    unknown = set(args) - {"INPUT", "PATH", "OUTER", "RECURSIVE", "MODE"}
    if unknown or "INPUT" not in args:
        raise errors.compilation_error(
            1002 if "INPUT" not in args else 1003,
            "FLATTEN requires the INPUT argument" if "INPUT" not in args
            else f"invalid argument {sorted(unknown)[0]} for function FLATTEN",
        )
    return args


def _flag(node: exp.Expression | None, name: str, tr: Translator) -> bool:
    if node is None:
        return False
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    raise not_supported(f"FLATTEN {name} => {node.sql('snowflake')} (a constant TRUE/FALSE is expected)", tr)


def _json_path(path: str) -> str:
    # FLATTEN's PATH uses Snowflake's path syntax (a.b[0]); DuckDB's json paths start at $
    return "$" if not path else ("$" + path if path.startswith("[") else "$." + path)


def flatten_subquery(fn: exp.Expression, tr: Translator) -> exp.Expression:
    """The SELECT producing FLATTEN's rows for the input expression it references."""
    args = _flatten_args(fn, tr)
    value = args["INPUT"]
    if kind(value) not in (VARIANT, "UNKNOWN", "NULL"):
        raise errors.compilation_error(
            1044, f"Invalid argument types for function 'FLATTEN': ({kind(value)})", "42000")
    path_node = args.get("PATH")
    if path_node is not None and not (isinstance(path_node, exp.Literal) and path_node.is_string):
        raise not_supported("FLATTEN with a non-constant PATH", tr)
    prefix = path_node.this if path_node is not None else ""
    mode_node = args.get("MODE")
    mode = mode_node.this.upper() if isinstance(mode_node, exp.Literal) else "BOTH" if mode_node is None else None
    if mode not in _MODES:
        raise errors.compilation_error(1003, f"invalid value for FLATTEN MODE: {mode_node.sql('snowflake')}")
    outer = _flag(args.get("OUTER"), "OUTER", tr)
    recursive = _flag(args.get("RECURSIVE"), "RECURSIVE", tr)
    constant = value.find(exp.Column) is None
    if prefix:
        value = call("json_extract", value, _json_path(prefix), sf_kind=VARIANT)
    seq = "1" if constant else "1 + hash(__in.__this) % 2147483647"
    join = "LEFT JOIN" if outer else "JOIN"
    path_expr = (f"CASE WHEN __e.fullkey IS NULL THEN {exp.Literal.string(prefix).sql('duckdb')} "
                 f"ELSE ltrim({exp.Literal.string(prefix).sql('duckdb')} || substr(__e.fullkey, 2), '.') END")
    source = f"CASE WHEN json_type(__in.__this) IN ({_MODES[mode]}) THEN __in.__this END"
    if not recursive:
        sql = (
            f"SELECT {seq} AS \"SEQ\", CASE WHEN json_type(__in.__this) = 'OBJECT' THEN __e.key END AS \"KEY\", "
            f"{path_expr} AS \"PATH\", "
            "CASE WHEN json_type(__in.__this) = 'ARRAY' THEN CAST(__e.key AS BIGINT) END AS \"INDEX\", "
            "__e.value AS \"VALUE\", __in.__this AS \"THIS\" "
            f"FROM (SELECT CAST({{0}} AS JSON) AS __this) AS __in {join} json_each({source}) AS __e ON TRUE"
        )
    else:
        # json_tree lists every descendant; an element's container is the value at its parent path (__e.path).
        # MODE limits which containers are expanded: no step into an array (OBJECT) or into an object (ARRAY).
        mode_filter = {
            "BOTH": "TRUE",
            "OBJECT": r"NOT regexp_matches(__e.fullkey, '\[[0-9]+\]')",
            "ARRAY": r"regexp_full_match(__e.fullkey, '\$(\[[0-9]+\])+')",
        }[mode]
        sql = (
            f"SELECT {seq} AS \"SEQ\", CASE WHEN __e.fullkey NOT LIKE '%]' THEN __e.key END AS \"KEY\", "
            f"{path_expr} AS \"PATH\", "
            "CASE WHEN __e.fullkey LIKE '%]' THEN CAST(__e.key AS BIGINT) END AS \"INDEX\", "
            "__e.value AS \"VALUE\", "
            "CASE WHEN __e.fullkey IS NULL THEN __in.__this ELSE json_extract(__in.__this, __e.path) END AS \"THIS\" "
            f"FROM (SELECT CAST({{0}} AS JSON) AS __this) AS __in {join} json_tree({source}) AS __e "
            f"ON __e.fullkey <> '$' AND {mode_filter}"
        )
    select = template(sql, value)
    _mark_internal(select)
    return select


def _split_to_table_subquery(fn: exp.SplitToTable) -> exp.Expression:
    """The SELECT producing SPLIT_TO_TABLE's rows (docs usage notes: '' gives one row with VALUE '', NULL no row).

    An empty delimiter keeps the string whole, as SPLIT does; the docs are silent on it for SPLIT_TO_TABLE.
    """
    seq = "1" if fn.find(exp.Column) is None else "1 + hash(__in.__parts) % 2147483647"
    # each argument is read once (in __args): a bound parameter copied would be a second `?` nobody binds
    return template(
        f"SELECT {seq} AS \"SEQ\", generate_subscripts(__in.__parts, 1) AS \"INDEX\", "
        "unnest(__in.__parts) AS \"VALUE\" "
        "FROM (SELECT CASE WHEN __d = '' THEN [__s] ELSE string_split(__s, __d) END AS __parts "
        "FROM (SELECT {0} AS __s, {1} AS __d) AS __args) AS __in",
        to_text(fn.this), to_text(fn.expression),
    )


def _mark_internal(tree: exp.Expression) -> None:
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            table.meta[_INTERNAL] = True


def _alias(node: exp.Expression, columns: tuple[str, ...], renamable: bool = True) -> exp.TableAlias:
    alias = node.args.get("alias")
    name = alias.this.copy() if alias is not None and alias.this is not None else exp.to_identifier("F", quoted=True)
    # qualify gave the function its column names (the defaults, or the user's `AS f(a, b, ...)`)
    renamed = renamable and alias is not None and len(alias.columns) == len(columns)
    return exp.TableAlias(this=name, columns=[c.copy() for c in alias.columns] if renamed
                          else [exp.to_identifier(c, quoted=True) for c in columns])


def _generator_subquery(gen: exp.Generator, tr: Translator) -> exp.Expression:
    if gen.args.get("timelimit") is not None:
        raise not_supported("GENERATOR(TIMELIMIT => ...)", tr)
    count = gen.args.get("rowcount")
    if count is None:
        raise errors.compilation_error(1003, "GENERATOR needs ROWCOUNT (or TIMELIMIT)")
    select = template("SELECT range AS \"__GENERATOR_ROW\" FROM range(CAST({0} AS BIGINT))", count)
    _mark_internal(select)
    return select


def _function_of(node: exp.Expression) -> exp.Expression | None:
    fn = node.this
    if isinstance(fn, (exp.Explode, exp.Generator, exp.SplitToTable)):
        return fn
    if isinstance(fn, exp.Anonymous) and str(fn.this).upper() in ("FLATTEN", "GENERATOR"):
        return fn
    return None


def _relation(node: exp.Expression, fn: exp.Expression, tr: Translator, lateral: bool) -> exp.Expression:
    is_generator = isinstance(fn, exp.Generator) or (isinstance(fn, exp.Anonymous)
                                                      and str(fn.this).upper() == "GENERATOR")
    if is_generator:
        if isinstance(fn, exp.Anonymous):
            raise not_supported("GENERATOR with these arguments", tr)
        select, columns = _generator_subquery(fn, tr), ("__GENERATOR_ROW",)
    elif isinstance(fn, exp.SplitToTable):
        select, columns = _split_to_table_subquery(fn), SPLIT_TO_TABLE_COLUMNS
        join = node.parent
        if isinstance(join, exp.Join) and join.side == "LEFT" and join.args.get("on") in (None, exp.true()):
            # docs (split_to_table usage notes): a NULL string gives no row, and its input row is left out "even
            # when you specify LEFT JOIN LATERAL"
            join.set("side", None)
    else:
        select, columns = flatten_subquery(fn, tr), FLATTEN_COLUMNS
    alias = _alias(node, columns, renamable=not is_generator)  # SEQ4() reads the generator's own column
    if lateral:
        return exp.Lateral(this=exp.Subquery(this=select), alias=alias)
    return exp.Subquery(this=select, alias=alias)


@handles(exp.Lateral)
def _lateral(node: exp.Lateral, tr: Translator) -> exp.Expression:
    fn = _function_of(node)
    if fn is None:
        return node
    return _relation(node, fn, tr, lateral=True)


@handles(exp.TableFromRows)
def _table(node: exp.TableFromRows, tr: Translator) -> exp.Expression:
    fn = _function_of(node)
    if fn is None:
        return node
    # in a join, TABLE(FLATTEN(...)) may reference the tables before it, like LATERAL (docs: flatten usage notes)
    return _relation(node, fn, tr, lateral=isinstance(node.parent, exp.Join))


@handles(exp.Seq1, exp.Seq2, exp.Seq4, exp.Seq8)
def _seq(node: exp.Expression, tr: Translator) -> exp.Expression:
    """A sequence of integers from 0 (docs: seq1); gap-free here, which Snowflake does not promise either way.

    Over TABLE(GENERATOR(...)) it is the generator's row number (usable inside aggregates); elsewhere row_number().
    """
    select = node.find_ancestor(exp.Select)
    source = select.args.get("from_").this if select is not None and select.args.get("from_") else None
    if isinstance(source, exp.TableFromRows) and isinstance(source.this, exp.Generator) and not select.args.get("joins"):
        return typed(exp.column("__GENERATOR_ROW", table=source.alias_or_name, quoted=True), NUMBER)
    return typed(exp.paren(template("row_number() OVER () - 1")), NUMBER)


_COLUMN_TYPES = {  # each function's output column types, in column order (docs: the functions' "Output")
    cls: tuple(exp.DataType.build(t, dialect="snowflake") for t in types)
    for cls, types in {
        exp.Explode: ("BIGINT", "VARCHAR", "VARCHAR", "BIGINT", "VARIANT", "VARIANT"),
        exp.SplitToTable: ("BIGINT", "BIGINT", "VARCHAR"),
    }.items()
}


def _seed_column_types(annotator: TypeAnnotator, scopes: list[Scope]) -> None:
    """translate.BEFORE_ANNOTATE entry: the types of FLATTEN's / SPLIT_TO_TABLE's columns for sqlglot's annotator.

    It leaves a table function's columns UNKNOWN (the function's scope has no schema, and its compiled classes cannot
    be extended); it looks a source's column types up in a cache first, so they are put there. Typed at the source,
    f.VALUE is a VARIANT wherever it flows: `f.value::string`, a scalar subquery, a derived table, a CTE.
    """
    for scope in scopes:
        for name, source in scope.sources.items():
            if isinstance(source, Scope) and source.is_udtf:
                types = _COLUMN_TYPES.get(type(source.expression.this))
                if types is not None:
                    columns = source.expression.alias_column_names
                    annotator._scope_source_selects[(scope, name)] = dict(zip(columns, types, strict=False))  # noqa: SLF001


translate.BEFORE_ANNOTATE.append(_seed_column_types)


def _passthrough(tr: Translator, node: exp.Expression) -> exp.Expression:
    """TABLE_FUNCTIONS entry for the DuckDB table functions our own subqueries use; user SQL cannot name them."""
    if not node.meta.get(_INTERNAL):
        raise errors.not_supported(f"table function {node.this.sql('snowflake')}", tr.statement)
    return node


def _table_function(tr: Translator, node: exp.Expression) -> exp.Expression:
    """TABLE_FUNCTIONS entry for FLATTEN / GENERATOR if they reach the translator as a plain table reference."""
    fn = _function_of(node)
    if fn is None:
        raise errors.not_supported(f"table function {node.this.sql('snowflake')}", tr.statement)
    return _relation(node, fn, tr, lateral=False)


for _name in ("JSON_EACH", "JSON_TREE", "GENERATESERIES"):  # how sqlglot names DuckDB's range()
    translate.TABLE_FUNCTIONS[_name] = _passthrough
translate.TABLE_FUNCTIONS["FLATTEN"] = _table_function
translate.TABLE_FUNCTIONS["GENERATOR"] = _table_function
