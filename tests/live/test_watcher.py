"""LiveTaskWatcher: the graph runs a live target drove, counted on the virtual timeline without another query."""

from __future__ import annotations

from datetime import datetime, timedelta

from snowsim.simulator.live.driver import PollPolicy
from snowsim.simulator.live.target import SnowflakeTarget
from snowsim.simulator.pipeline import load_pipeline

START = datetime(2026, 1, 5, 8, 0)


def test_task_runs_are_counted_at_their_virtual_due_instants(make_account, settings):
    account = make_account()
    target = SnowflakeTarget(settings(), connect=account.connect, database="SNOWSIM_WATCH",
                             poll=PollPolicy(first=0.0), sleep=lambda _s: None, echo=lambda _l: None)
    target.open(START)
    try:
        target.deploy(load_pipeline("caves_albert"))
        watcher = target.task_watcher(target.database, START)
        target.execute("INSERT INTO RAW.RAW_EVENTS (EVENT_ID, EVENT_TYPE, EVENT_DATA) SELECT 'e1', 'ORDER_CREATED', "
                       "PARSE_JSON('{\"payload\": {\"order_id\": \"o1\"}}')")
        target.advance_to(START + timedelta(minutes=2, seconds=30))
        sent_before = len(target.recorder.sent)
        moments = watcher.poll()
        assert len(target.recorder.sent) == sent_before  # no extra query: the driver already read the rows
        assert moments == []
        summary = watcher.summary()
        orders = summary["RAW.TASK_RAW_TO_STG_ORDERS"]
        # 08:01 had data (SUCCEEDED, its child too); 08:02 found the stream empty (SKIPPED by WHEN).
        assert (orders["succeeded"], orders["skipped"]) == (1, 1)
        assert summary["RAW.TASK_STG_TO_PROD_ORDERS"]["succeeded"] == 1
        assert target.now() == START + timedelta(minutes=2, seconds=30)
        assert [run.due for run in target.graph_runs] == [START + timedelta(minutes=m) for m in (1, 1, 2, 2)]
        assert watcher.poll() == [] and watcher.summary() == summary  # each run is counted once
    finally:
        target.close()
    assert "SNOWSIM_WATCH" not in account.databases()
