"""A three-layer pipeline of five tasks run for a simulated hour (RAW -> STAGING -> PROD).

Two root tasks on two append-only streams of one RAW table, three children with AFTER, and two streams on one
staging table (docs: user-guide/tasks-graphs, user-guide/streams-intro: one stream per consuming task,
user-guide/data-pipelines-examples).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, timedelta

PIPELINE = [
    "create table raw_events (id int, kind varchar, qty int)",
    "create table stg_orders (id int, qty int)",
    "create table stg_inventory (id int, qty int)",
    "create table orders (id int, qty int)",
    "create table inventory_history (id int, qty int)",
    "create table inventory_current (id int, qty int)",
    "create stream raw_orders_s on table raw_events append_only = true",
    "create stream raw_inventory_s on table raw_events append_only = true",
    "create stream stg_orders_s on table stg_orders",
    "create stream stg_inventory_history_s on table stg_inventory",
    "create stream stg_inventory_current_s on table stg_inventory",
    "create task load_orders warehouse = wh schedule = '1 minute' when system$stream_has_data('raw_orders_s') "
    "as insert into stg_orders select id, qty from raw_orders_s where kind = 'order'",
    "create task load_inventory warehouse = wh schedule = '1 minute' "
    "when system$stream_has_data('raw_inventory_s') "
    "as insert into stg_inventory select id, qty from raw_inventory_s where kind = 'inventory'",
    "create task merge_orders warehouse = wh after load_orders as merge into orders o using "
    "(select * from stg_orders_s where metadata$action = 'INSERT') s on o.id = s.id "
    "when matched then update set qty = s.qty when not matched then insert (id, qty) values (s.id, s.qty)",
    "create task inventory_history warehouse = wh after load_inventory as insert into inventory_history "
    "select id, qty from stg_inventory_history_s where metadata$action = 'INSERT'",
    "create task inventory_current warehouse = wh after inventory_history as merge into inventory_current c using "
    "(select * from stg_inventory_current_s where metadata$action = 'INSERT') s on c.id = s.id "
    "when matched then update set qty = s.qty when not matched then insert (id, qty) values (s.id, s.qty)",
    # children first, then the roots (docs: alter-task)
    "alter task merge_orders resume",
    "alter task inventory_current resume",
    "alter task inventory_history resume",
    "alter task load_orders resume",
    "alter task load_inventory resume",
]

EVENTS = {  # minute after the start -> rows arriving in RAW during that minute
    5: "(1, 'order', 10), (2, 'order', 20)",
    20: "(100, 'inventory', 5), (101, 'inventory', 7)",
    40: "(1, 'order', 11), (100, 'inventory', 4), (3, 'order', 30)",
}


def test_five_task_pipeline_for_an_hour(conn, sql, start):
    """docs: user-guide/tasks-graphs, functions/task_history, functions/complete_task_graphs."""
    sql(*PIPELINE)
    runs = []
    for minute in range(60):
        if minute in EVENTS:
            sql(f"insert into raw_events values {EVENTS[minute]}")
        runs += conn.advance(minutes=1)

    assert conn.clock.now() == start + timedelta(hours=1)
    assert len(runs) == 120  # two roots, every minute
    # Both append-only streams see every RAW row whatever its kind (docs: streams-intro), so both roots run after
    # each arrival; the body's WHERE decides what moves on.
    busy = [(r.root, r.scheduled_time, r.state, list(r.tasks.values())) for r in runs if r.state != "SKIPPED"]
    assert busy == [
        run
        for minute in (6, 21, 41)
        for run in (
            ("DB.S.LOAD_ORDERS", start + timedelta(minutes=minute), "SUCCEEDED", ["SUCCEEDED"] * 2),
            ("DB.S.LOAD_INVENTORY", start + timedelta(minutes=minute), "SUCCEEDED", ["SUCCEEDED"] * 3),
        )
    ]

    rows = sql.history("name, state, scheduled_time")
    assert Counter((n, s) for n, s, _ in rows) == Counter({
        ("LOAD_ORDERS", "SKIPPED"): 57, ("LOAD_ORDERS", "SUCCEEDED"): 3, ("LOAD_ORDERS", "SCHEDULED"): 1,
        ("LOAD_INVENTORY", "SKIPPED"): 57, ("LOAD_INVENTORY", "SUCCEEDED"): 3, ("LOAD_INVENTORY", "SCHEDULED"): 1,
        ("MERGE_ORDERS", "SUCCEEDED"): 3, ("INVENTORY_HISTORY", "SUCCEEDED"): 3, ("INVENTORY_CURRENT", "SUCCEEDED"): 3,
    })
    skipped = {n: (c, m) for n, s, _, c, m in sql.history(
        "name, state, scheduled_time, error_code, error_message", "state = 'SKIPPED'")}
    assert skipped == {n: ("0040003", "Conditional expression for task evaluated to false.")
                       for n in ("LOAD_ORDERS", "LOAD_INVENTORY")}
    succeeded_at = sorted(
        (int((t.astimezone(UTC).replace(tzinfo=None) - start).total_seconds() // 60), n)
        for n, s, t in rows if s == "SUCCEEDED"
    )
    tasks = sorted(["LOAD_ORDERS", "MERGE_ORDERS", "LOAD_INVENTORY", "INVENTORY_HISTORY", "INVENTORY_CURRENT"])
    assert succeeded_at == [(minute, name) for minute in (6, 21, 41) for name in tasks]
    graphs = sql("select root_task_name, state from table(information_schema.complete_task_graphs()) "
                 "order by scheduled_time, root_task_name")
    assert graphs == [("LOAD_INVENTORY", "SUCCEEDED"), ("LOAD_ORDERS", "SUCCEEDED")] * 3

    assert sql("select id, qty from orders order by id") == [(1, 11), (2, 20), (3, 30)]
    assert sql("select id, qty from inventory_history order by id, qty") == [(100, 4), (100, 5), (101, 7)]
    assert sql("select id, qty from inventory_current order by id") == [(100, 4), (101, 7)]
    for stream in ("raw_orders_s", "raw_inventory_s", "stg_orders_s", "stg_inventory_history_s",
                   "stg_inventory_current_s"):
        assert sql(f"select count(*) from {stream}") == [(0,)]
