"""The running program: `yuqing run` (run.py), the scheduler's jobs (scheduler.py) and the
Context every command and the service build once at the edge (context.py)."""
