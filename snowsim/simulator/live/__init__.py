"""The live target (--target snowflake): a scratch database per run, tasks driven by EXECUTE TASK, parity reports.

Public entry points: run_live(), plan_live() (live.run), run_parity() (live.parity), SnowflakeTarget (live.target).
Nothing here imports the network client until a run connects.
"""
