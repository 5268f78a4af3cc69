-- Start the graphs: children first, then the roots (docs: sql-reference/sql/alter-task; a root must be suspended
-- while the graph changes, and resuming it last means no run starts before its children can run).
ALTER TASK RAW.TASK_STG_TO_PROD_ORDERS RESUME;
ALTER TASK RAW.TASK_STG_TO_PROD_INVENTORY_CURRENT RESUME;
ALTER TASK RAW.TASK_STG_TO_PROD_INVENTORY_HISTORY RESUME;
ALTER TASK RAW.TASK_RAW_TO_STG_ORDERS RESUME;
ALTER TASK RAW.TASK_RAW_TO_STG_INVENTORY RESUME;
