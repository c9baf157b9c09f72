"""The long-running service: `yuqing run` (run.py) and the scheduler's jobs (scheduler.py)."""
