"""cursor.execute_async() / get_results_from_sfqid() and the connection's query status, as snowflake.connector has
them: a read-only query runs in the background on the data committed when it was started (background.py)."""

import threading

import pytest
from snowflake.connector import DictCursor, ProgrammingError
from snowflake.connector.constants import QueryStatus


@pytest.fixture
def table(cur):
    cur.execute("create table t (id int, name string)")
    cur.execute("insert into t values (1, 'a'), (2, 'b')")
    return cur


def test_a_query_reads_the_data_committed_when_it_started(conn, table):
    table.execute_async("select 1")  # starts the background worker
    gate = threading.Event()
    conn.async_queries._background._worker.submit(gate.wait)  # hold it: the query below runs after the writes that follow it
    first = table.execute_async("select id, name from t order by id")["queryId"]
    table.execute("insert into t values (3, 'c')")
    table.execute("delete from t where id = 1")
    second = table.execute_async("select id, name from t order by id")["queryId"]
    gate.set()
    reader = conn.cursor()
    reader.get_results_from_sfqid(first)
    assert reader.fetchall() == [(1, "a"), (2, "b")]
    assert [d.name for d in reader.description] == ["ID", "NAME"]
    reader.get_results_from_sfqid(second)
    assert reader.fetchall() == [(2, "b"), (3, "c")]
    assert reader.query == "select id, name from t order by id"


def test_the_query_runs_on_another_thread_while_the_caller_goes_on(conn, table, recorder):
    seen = []
    real = conn.duck.cursor

    def spying_cursor():
        bg = real()
        outer = bg.execute

        class Spy:
            def __getattr__(self, name):
                return getattr(bg, name)

            def execute(self, sql, *args):
                seen.append((threading.current_thread().name, sql.split()[0]))
                return outer(sql, *args)
        return Spy()

    conn.duck.cursor = spying_cursor
    sfqid = table.execute_async("select count(*) from t")["queryId"]
    table.get_results_from_sfqid(sfqid)
    assert table.fetchone() == (2,)
    main = threading.current_thread().name
    assert ("snowsim-background_0", "SELECT") in seen  # the query itself
    assert (main, "BEGIN") in seen  # its snapshot was taken before execute_async returned
    assert not any(s.startswith("SELECT count") for s in recorder.sent)  # not on the session's own DuckDB


def test_status_is_running_then_success_or_failed(conn, table):
    ok = table.execute_async("select count(*) from t")["queryId"]
    bad = table.execute_async("select nosuch from t")["queryId"]
    table.get_results_from_sfqid(ok)
    assert conn.get_query_status(ok) == QueryStatus.SUCCESS
    assert not conn.is_still_running(conn.get_query_status(ok))
    assert conn.get_query_status(bad) == QueryStatus.FAILED_WITH_ERROR
    assert conn.is_an_error(conn.get_query_status(bad))
    with pytest.raises(ProgrammingError) as err:
        conn.get_query_status_throw_if_error(bad)
    assert err.value.errno == 904 and "invalid identifier 'NOSUCH'" in err.value.msg
    assert conn.get_query_status("01b2c3d4-0000-0000-0000-000000000000") == QueryStatus.NO_DATA


def test_a_failed_query_raises_snowflakes_error_when_its_results_are_asked_for(conn, table):
    sfqid = table.execute_async("select 1/0")["queryId"]  # starting it raises nothing
    with pytest.raises(ProgrammingError) as err:
        table.get_results_from_sfqid(sfqid)
    assert err.value.errno == 100051 and err.value.sfqid == sfqid
    with pytest.raises(ProgrammingError, match="No query"):
        table.get_results_from_sfqid("01b2c3d4-0000-0000-0000-000000000000")


def test_writes_and_reads_in_an_open_transaction_run_at_once(conn, table):
    sfqid = table.execute_async("insert into t values (%s, %s)", (7, "g"))["queryId"]
    assert conn.get_query_status(sfqid) == QueryStatus.SUCCESS  # done before execute_async returned
    assert table.execute("select count(*) from t").fetchone() == (3,)
    table.get_results_from_sfqid(sfqid)
    assert table.fetchall() == [(1,)]  # number of rows inserted
    table.execute("begin")
    table.execute("insert into t values (8, 'h')")
    inside = table.execute_async("select count(*) from t")["queryId"]  # sees the transaction's own insert
    table.execute("rollback")
    table.get_results_from_sfqid(inside)
    assert table.fetchall() == [(4,)]


def test_results_come_as_dicts_on_a_dict_cursor_and_bound_parameters_work(conn, table):
    sfqid = table.execute_async("select id, name from t where id = %(id)s", {"id": 2})["queryId"]
    dicts = conn.cursor(DictCursor)
    dicts.get_results_from_sfqid(sfqid)
    assert dicts.fetchall() == [{"ID": 2, "NAME": "b"}]


def test_a_stream_read_in_the_background_leaves_the_stream_as_it_is(conn, table):
    table.execute("create stream s on table t")
    table.execute("insert into t values (5, 'e')")
    for _ in range(3):  # hot plan: the delta's level is merged (flattening.py) in the text the worker runs
        sfqid = table.execute_async("select id, metadata$action from s")["queryId"]
        table.get_results_from_sfqid(sfqid)
        assert table.fetchall() == [(5, "INSERT")]
    assert table.execute("select count(*) from s").fetchone() == (1,)


def test_close_waits_for_the_queries_in_flight(conn, table):
    table.execute_async("select 1")  # starts the background worker
    gate = threading.Event()
    conn.async_queries._background._worker.submit(gate.wait)  # the query below waits behind this
    sfqid = table.execute_async("select count(*) from t, t t2, t t3")["queryId"]
    threading.Timer(0.2, gate.set).start()
    conn.close()  # returns only once the query ran
    submitted = conn.async_queries.outcomes[sfqid][0]
    assert submitted.future.done() and submitted.future.result()[2] == [(8,)]
    assert conn.is_closed()
