-- A single task: no children to resume first.
ALTER TASK ANALYTICS.TASK_ORDERS_EVENTS_CLEAN RESUME;
