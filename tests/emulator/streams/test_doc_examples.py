"""The Snowflake documentation's own worked examples, reproduced with their printed outputs.

METADATA$ROW_ID values are never compared with the docs' (they differ between printings); only equalities between
rows are asserted.
"""

from __future__ import annotations

from tests.emulator.streams.conftest import rows

META = "METADATA$ACTION, METADATA$ISUPDATE"


def test_streams_examples_basic_example(cur):
    """docs: user-guide/streams-examples, 'Basic example' (members / signup / member_check)."""
    cur.execute("CREATE OR REPLACE TABLE members (id number(8) NOT NULL, name varchar(255) default NULL, fee number(3) NULL)")
    cur.execute("CREATE OR REPLACE STREAM member_check ON TABLE members")
    cur.execute("CREATE OR REPLACE TABLE signup (id number(8), dt DATE)")
    cur.execute("INSERT INTO members (id,name,fee) VALUES (1,'Joe',0),(2,'Jane',0),(3,'George',0),(4,'Betty',0),(5,'Sally',0)")
    cur.execute("INSERT INTO signup VALUES (1,'2018-01-01'),(2,'2018-02-15'),(3,'2018-05-01'),(4,'2018-07-16'),(5,'2018-08-21')")
    assert rows(cur, f"SELECT id, name, fee, {META} FROM member_check ORDER BY id") == [
        (1, "Joe", 0, "INSERT", False), (2, "Jane", 0, "INSERT", False), (3, "George", 0, "INSERT", False),
        (4, "Betty", 0, "INSERT", False), (5, "Sally", 0, "INSERT", False),
    ]  # fmt: skip
    cur.execute(
        "MERGE INTO members m USING (SELECT id, dt FROM signup s WHERE DATEDIFF(day, '2018-08-15'::date, s.dt::DATE) < -30) s "
        "ON m.id = s.id WHEN MATCHED THEN UPDATE SET m.fee = 90"
    )
    assert rows(cur, "SELECT * FROM members ORDER BY id") == [
        (1, "Joe", 90), (2, "Jane", 90), (3, "George", 90), (4, "Betty", 0), (5, "Sally", 0)
    ]
    # "The stream records the updated FEE column as a set of inserts rather than deletes and inserts because the
    # stream contents have not been consumed yet"
    assert rows(cur, f"SELECT id, name, fee, {META} FROM member_check ORDER BY id") == [
        (1, "Joe", 90, "INSERT", False), (2, "Jane", 90, "INSERT", False), (3, "George", 90, "INSERT", False),
        (4, "Betty", 0, "INSERT", False), (5, "Sally", 0, "INSERT", False),
    ]  # fmt: skip
    cur.execute("CREATE OR REPLACE TABLE members_prod (id number(8) NOT NULL, name varchar(255) default NULL, fee number(3) NULL)")
    cur.execute("INSERT INTO members_prod(id,name,fee) SELECT id, name, fee FROM member_check WHERE METADATA$ACTION = 'INSERT'")
    assert rows(cur, "select * from member_check") == []  # "The stream position is advanced"
    cur.execute("BEGIN")
    cur.execute("UPDATE members SET fee = fee + 15 where fee > 0")
    # the docs print (3, 0) with a "number of multi-joined rows updated" column; dml.py adds it only with FROM
    assert cur.fetchone()[0] == 3
    # "These changes are not visible because the change interval of the stream object starts at the current offset
    # and ends at the current transactional time point, which is the beginning time of the transaction"
    assert rows(cur, "SELECT * FROM member_check") == []
    cur.execute("COMMIT")
    got = rows(cur, "SELECT id, name, fee, METADATA$ACTION, METADATA$ISUPDATE, METADATA$ROW_ID FROM member_check")
    assert sorted(r[:5] for r in got) == [
        (1, "Joe", 90, "DELETE", True), (1, "Joe", 105, "INSERT", True), (2, "Jane", 90, "DELETE", True),
        (2, "Jane", 105, "INSERT", True), (3, "George", 90, "DELETE", True), (3, "George", 105, "INSERT", True),
    ]  # fmt: skip
    for member in (1, 2, 3):  # each DELETE/INSERT pair carries one ROW_ID
        assert len({r[5] for r in got if r[0] == member}) == 1
    assert len({r[5] for r in got}) == 3


def test_streams_examples_standard_vs_append_only(cur):
    """docs: user-guide/streams-examples, 'Differences between standard and append-only streams'."""
    cur.execute("create or replace table t(id int, name string)")
    cur.execute("create or replace stream delta_s on table t")
    cur.execute("create or replace stream append_only_s on table t append_only=true")
    cur.execute("insert into t values (0, 'charlie brown')")
    cur.execute("insert into t values (1, 'lucy')")
    cur.execute("insert into t values (2, 'linus')")
    cur.execute("delete from t where id = '0'")
    delta = rows(cur, "select *, METADATA$ROW_ID from delta_s order by id")
    assert [r[:4] for r in delta] == [(1, "lucy", "INSERT", False), (2, "linus", "INSERT", False)]
    appended = rows(cur, "select * from append_only_s order by id")
    assert [r[:4] for r in appended] == [
        (0, "charlie brown", "INSERT", False), (1, "lucy", "INSERT", False), (2, "linus", "INSERT", False)
    ]
    # the same rows carry the same ROW_ID in both streams (docs: streams-intro, METADATA$ROW_ID guarantees)
    assert {r[0]: r[4] for r in delta} == {r[0]: r[4] for r in appended if r[0] in (1, 2)}
    cur.execute("create or replace table t2(id int, name string, stream_type string default NULL)")
    cur.execute("insert into t2(id,name,stream_type) select id, name, 'delta stream' from delta_s")
    cur.execute("insert into t2(id,name,stream_type) select id, name, 'append_only stream' from append_only_s")
    cur.execute("update t set name = 'sally' where name = 'linus'")
    got = rows(cur, "select * from delta_s order by id, METADATA$ACTION desc")
    assert [r[:4] for r in got] == [(2, "sally", "INSERT", True), (2, "linus", "DELETE", True)]
    assert got[0][4] == got[1][4] == {r[0]: r[4] for r in delta}[2]
    assert rows(cur, "select * from append_only_s order by id") == []
    assert rows(cur, "select count(*), count(distinct stream_type) from t2") == [(5, 2)]


def test_streams_examples_dml_in_explicit_transaction(cur):
    """docs: user-guide/streams-examples, 'DML operations in explicit transactions' (two consumers, one COMMIT)."""
    cur.execute("CREATE OR REPLACE TABLE data_staging (raw variant)")
    cur.execute("CREATE OR REPLACE STREAM data_check ON TABLE data_staging")
    cur.execute("CREATE OR REPLACE TABLE data_prod1 (id number(8), ts TIMESTAMP_TZ)")
    cur.execute("CREATE OR REPLACE TABLE data_prod2 (id number(8), color VARCHAR, num NUMBER)")
    cur.execute(  # "Load JSON data into staging table using COPY statement, Snowpipe, or inserts"
        "INSERT INTO data_staging "
        """SELECT parse_json('{"id": 7077, "x1": "2018-08-14T20:57:01-07:00", "x2": [{"y1": "green", "y2": "35"}]}') """
        """UNION ALL SELECT parse_json('{"id": 7078, "x1": "2018-08-14T21:07:26-07:00", "x2": [{"y1": "cyan", "y2": "107"}]}')"""
    )
    assert rows(cur, "SELECT raw:id::int, METADATA$ACTION, METADATA$ISUPDATE FROM data_check ORDER BY 1") == [
        (7077, "INSERT", False), (7078, "INSERT", False)
    ]
    cur.execute("BEGIN")
    cur.execute("INSERT INTO data_prod1 (id, ts) SELECT t.raw:id, t.raw:x1::timestamp_tz FROM data_check t "
                "WHERE METADATA$ACTION = 'INSERT'")
    # The docs read x2 with LATERAL FLATTEN; each array has one element, so x2[0] gives the same rows (FLATTEN is
    # functions.py's, not emulated yet).
    cur.execute("INSERT INTO data_prod2 (id, color, num) SELECT t.raw:id, t.raw:x2[0]:y1, t.raw:x2[0]:y2 "
                "FROM data_check t WHERE METADATA$ACTION = 'INSERT'")
    cur.execute("COMMIT")
    assert rows(cur, "SELECT id FROM data_prod1 ORDER BY id") == [(7077,), (7078,)]
    # docs print (7077, green, 35), (7078, cyan, 107); the VARIANT -> VARCHAR write conversion (dml/functions, not
    # streams) still keeps JSON quotes around the colours, so only the columns streams decide are compared here
    assert rows(cur, "SELECT id, num FROM data_prod2 ORDER BY id") == [(7077, 35), (7078, 107)]
    assert rows(cur, "SELECT * FROM data_check") == []


def test_system_stream_has_data_example(cur):
    """docs: sql-reference/functions/system_stream_has_data, 'Examples'."""
    cur.execute("create table MYTABLE1 (id int)")
    cur.execute("create table MYTABLE2(id int)")
    cur.execute("create stream MYSTREAM on table MYTABLE1")
    cur.execute("insert into MYTABLE1 values (1)")
    # returns true because the stream contains change tracking information
    assert rows(cur, "select system$stream_has_data('MYSTREAM')") == [(True,)]
    assert cur.description[0].name == "SYSTEM$STREAM_HAS_DATA('MYSTREAM')"
    cur.execute("begin")
    cur.execute("insert into MYTABLE2 select id from MYSTREAM")
    cur.execute("commit")
    # returns false because the stream was consumed
    assert rows(cur, "select system$stream_has_data('MYSTREAM')") == [(False,)]


def test_changes_example_default_and_append_only(cur):
    """docs: sql-reference/constructs/changes, first example (no END: the interval ends now)."""
    cur.execute("CREATE OR REPLACE TABLE t1 (id number(8) NOT NULL, c1 varchar(255) default NULL)")
    cur.execute("ALTER TABLE t1 SET CHANGE_TRACKING = TRUE")
    cur.execute("SET ts1 = (SELECT CURRENT_TIMESTAMP())")
    cur.execute("INSERT INTO t1 (id,c1) VALUES (1,'red'), (2,'blue'), (3,'green')")
    cur.execute("DELETE FROM t1 WHERE id = 1")
    cur.execute("UPDATE t1 SET c1 = 'purple' WHERE id = 2")
    got = rows(cur, "SELECT * FROM t1 CHANGES(INFORMATION => DEFAULT) AT(TIMESTAMP => $ts1) ORDER BY id")
    assert [r[:4] for r in got] == [(2, "purple", "INSERT", False), (3, "green", "INSERT", False)]
    appended = rows(cur, "SELECT * FROM t1 CHANGES(INFORMATION => APPEND_ONLY) AT(TIMESTAMP => $ts1) ORDER BY id")
    assert [r[:4] for r in appended] == [(1, "red", "INSERT", False), (2, "blue", "INSERT", False),
                                         (3, "green", "INSERT", False)]
    assert {r[0]: r[4] for r in got} == {r[0]: r[4] for r in appended if r[0] in (2, 3)}


def test_changes_example_end_timestamp_and_end_statement(conn, cur):
    """docs: sql-reference/constructs/changes, second example (END is inclusive of the statement passed in)."""
    cur.execute("CREATE OR REPLACE TABLE t1 (id number(8) NOT NULL, c1 varchar(255) default NULL)")
    cur.execute("ALTER TABLE t1 SET CHANGE_TRACKING = TRUE")
    cur.execute("SET ts1 = (SELECT CURRENT_TIMESTAMP())")
    cur.execute("INSERT INTO t1 (id,c1) VALUES (1,'red'), (2,'blue'), (3,'green')")
    cur.execute("SET ts2 = (SELECT CURRENT_TIMESTAMP())")
    cur.execute("DELETE FROM t1 WHERE id = 3")
    conn.session.variables["LAST_QUERY_ID"] = cur.sfqid  # SET last_query_id = (SELECT LAST_QUERY_ID())
    # The docs create t2/t3 with a column list plus AS SELECT; the emulator's CTAS takes the query's columns.
    cur.execute("CREATE OR REPLACE TABLE t2 AS SELECT C1 FROM t1 CHANGES(INFORMATION => APPEND_ONLY) "
                "AT(TIMESTAMP => $ts1) END(TIMESTAMP => $ts2)")
    assert rows(cur, "SELECT * FROM t2 ORDER BY c1 DESC") == [("red",), ("green",), ("blue",)]
    cur.execute("CREATE OR REPLACE TABLE t3 AS SELECT C1 FROM t1 CHANGES(INFORMATION => DEFAULT) "
                "AT(TIMESTAMP => $ts1) END(STATEMENT => $last_query_id)")
    assert rows(cur, "SELECT * FROM t3 ORDER BY c1 DESC") == [("red",), ("blue",)]


def test_changes_example_at_stream(cur):
    """docs: sql-reference/constructs/changes, third example (AT(STREAM => 's1') as the start point)."""
    cur.execute("CREATE OR REPLACE TABLE t1 (id number(8) NOT NULL, c1 varchar(255) default NULL)")
    cur.execute("CREATE OR REPLACE STREAM s1 ON TABLE t1")
    cur.execute("INSERT INTO t1 (id,c1) VALUES (1,'red'), (2,'blue'), (3,'green')")
    cur.execute("SET ts2 = (SELECT CURRENT_TIMESTAMP())")
    cur.execute("DELETE FROM t1")
    cur.execute("CREATE OR REPLACE TABLE t2 AS SELECT C1 FROM t1 CHANGES(INFORMATION => APPEND_ONLY) "
                "AT(STREAM => 's1') END(TIMESTAMP => $ts2)")
    assert rows(cur, "SELECT * FROM t2 ORDER BY c1 DESC") == [("red",), ("green",), ("blue",)]
    # CHANGES is read-only: the stream still holds its (net: nothing) delta and its offset did not move
    assert rows(cur, "SELECT count(*) FROM s1") == [(0,)]


def test_streams_intro_repeatable_read_table(conn):
    """docs: user-guide/streams-intro, 'Repeatable read isolation' (the Transaction 1 / Transaction 2 table)."""
    cur = conn.cursor()
    cur.execute("create table t1 (id int, v int)")
    cur.execute("create stream s1 on table t1")
    cur.execute("create table sink (id int)")
    cur.execute("insert into t1 values (1, 1)")
    cur.execute("begin")  # time 1
    assert rows(cur, "select id from s1") == [(1,)]  # time 2: offset .. transaction 1 start
    cur.execute("insert into sink select id from s1")
    cur.execute("update t1 set v = 2")  # time 3
    assert rows(cur, "select id, v from s1") == [(1, 1)]  # time 4: same as time 2
    cur.execute("commit")  # time 5: the offset moves to transaction 1's start
    # time 7 (transaction 2): the changes transaction 1 committed
    assert sorted(rows(cur, f"select id, v, {META} from s1")) == [(1, 1, "DELETE", True), (1, 2, "INSERT", True)]
