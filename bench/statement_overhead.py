"""Statement overhead: the same statements through snowsim.emulator and through bare DuckDB.

Bare DuckDB runs the SQL snowsim already translated (the plan's DuckDB text), so the ratio is what the emulator adds:
parameter rewriting, the plan cache, transaction bookkeeping and result conversion. Also measures how long a
first-seen 30-line MERGE takes to translate. Run: python3 bench/statement_overhead.py
"""

from __future__ import annotations

import statistics
import time

from snowsim.emulator import connect

MERGE = """
MERGE INTO STAGING.STG_ORDERS t
USING (
  SELECT EVENT_DATA:payload.order_id::STRING          AS ORDER_ID,
         EVENT_DATA:payload.customer_id::STRING       AS CUSTOMER_ID,
         EVENT_DATA:payload.product_id::STRING        AS PRODUCT_ID,
         EVENT_DATA:payload.quantity::NUMBER          AS QUANTITY,
         EVENT_DATA:payload.unit_price::NUMBER(10,2)  AS UNIT_PRICE,
         EVENT_DATA:payload.total_amount::NUMBER(12,2) AS TOTAL_AMOUNT,
         EVENT_DATA:payload.payment_method::STRING    AS PAYMENT_METHOD,
         EVENT_DATA:payload.order_status::STRING      AS ORDER_STATUS,
         EVENT_TIMESTAMP,
         INGESTION_TIMESTAMP
  FROM RAW.RAW_EVENTS
  WHERE EVENT_TYPE = 'ORDER_CREATED' /* {n} */
) s
ON t.ORDER_ID = s.ORDER_ID
WHEN MATCHED AND s.EVENT_TIMESTAMP > t.EVENT_TIMESTAMP THEN UPDATE SET
  t.QUANTITY = s.QUANTITY,
  t.UNIT_PRICE = s.UNIT_PRICE,
  t.TOTAL_AMOUNT = s.TOTAL_AMOUNT,
  t.ORDER_STATUS = s.ORDER_STATUS,
  t.EVENT_TIMESTAMP = s.EVENT_TIMESTAMP,
  t.UPDATED_AT = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT
  (ORDER_ID, CUSTOMER_ID, PRODUCT_ID, QUANTITY, UNIT_PRICE, TOTAL_AMOUNT, PAYMENT_METHOD, ORDER_STATUS,
   EVENT_TIMESTAMP, UPDATED_AT)
VALUES
  (s.ORDER_ID, s.CUSTOMER_ID, s.PRODUCT_ID, s.QUANTITY, s.UNIT_PRICE, s.TOTAL_AMOUNT, s.PAYMENT_METHOD,
   s.ORDER_STATUS, s.EVENT_TIMESTAMP, CURRENT_TIMESTAMP())
"""


def median_us(fn, n: int) -> float:
    """Median wall time of fn(i) in microseconds over n runs (after 50 warm-up runs)."""
    for i in range(50):
        fn(i)
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e6


def main(n: int = 3000) -> dict[str, float]:
    """Run the benchmark and print a table; returns the figures."""
    conn = connect(database="BENCH", schema="PUBLIC")
    cur = conn.cursor()
    cur.execute("CREATE TABLE T (ID NUMBER, NAME STRING, AMOUNT NUMBER(10,2))")
    cur.execute("INSERT INTO T SELECT SEQ4(), 'name', 1.5 FROM TABLE(GENERATOR(ROWCOUNT => 10000))")
    duck = conn.duck
    cases = [
        ("SELECT 1", "SELECT 1", None),
        ("point SELECT by key", "SELECT NAME FROM T WHERE ID = %s", lambda i: (i % 10000,)),
        ("aggregate over 10k rows", "SELECT COUNT(*), SUM(AMOUNT) FROM T", None),
    ]
    figures: dict[str, float] = {}
    print(f"{'statement':34} {'snowsim us':>11} {'DuckDB us':>10} {'ratio':>6}")
    for label, sql, make in cases:
        args = make or (lambda i: None)
        translated = conn.plan_for(sql.replace("%s", "?")).translation.sql
        ours = median_us(lambda i, s=sql, a=args: cur.execute(s, a(i)).fetchall(), n)
        bare = median_us(lambda i, t=translated, a=args: duck.execute(t, list(a(i) or [])).fetchall(), n)
        figures[label] = ours / bare
        print(f"{label:34} {ours:11.1f} {bare:10.1f} {ours / bare:6.2f}")
    # one-row INSERT: bare DuckDB runs the same translated INSERT with the same version parameter
    plan = conn.plan_for("INSERT INTO T VALUES (?, 'x', 2.5)")
    ours = median_us(lambda i: cur.execute("INSERT INTO T VALUES (%s, 'x', 2.5)", (i,)).fetchall(), n)
    version = conn.txns.committed + 1
    bare = median_us(lambda i: duck.execute(plan.steps[0], [version, i]).fetchall(), n)
    figures["one-row INSERT"] = ours / bare
    print(f"{'one-row INSERT':34} {ours:11.1f} {bare:10.1f} {ours / bare:6.2f}")

    cur.execute("CREATE SCHEMA RAW")
    cur.execute("CREATE TABLE RAW.RAW_EVENTS (EVENT_ID STRING, EVENT_TYPE STRING, EVENT_TIMESTAMP TIMESTAMP_NTZ, "
                "EVENT_DATA VARIANT, INGESTION_TIMESTAMP TIMESTAMP_NTZ)")
    cur.execute("CREATE SCHEMA STAGING")
    cur.execute("CREATE TABLE STAGING.STG_ORDERS (ORDER_ID STRING, CUSTOMER_ID STRING, PRODUCT_ID STRING, "
                "QUANTITY NUMBER, UNIT_PRICE NUMBER(10,2), TOTAL_AMOUNT NUMBER(12,2), PAYMENT_METHOD STRING, "
                "ORDER_STATUS STRING, EVENT_TIMESTAMP TIMESTAMP_NTZ, UPDATED_AT TIMESTAMP_NTZ)")
    samples = []
    for k in range(200):
        text = MERGE.replace("{n}", str(k))  # a new text each time: nothing cached
        t0 = time.perf_counter()
        conn.plan_for(text)
        samples.append(time.perf_counter() - t0)
    figures["first-seen 30-line MERGE translation ms"] = statistics.median(samples[20:]) * 1e3
    print(f"first-seen 30-line MERGE: translated in {figures['first-seen 30-line MERGE translation ms']:.2f} ms (median)")
    conn.close()
    return figures


if __name__ == "__main__":
    main()
