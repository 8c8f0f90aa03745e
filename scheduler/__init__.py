"""Scheduled work inside `dondoc run`: reminder sweeps, escalation, the weekly summary,
housekeeping, and the leader lock that lets one instance at a time run them.

`wiring.build_scheduler` wires the jobs; `jobs.run_sweep` and the other `run_*` functions run
one pass directly (the demo's /tick, the tests). Jobs import services, domain and models,
never handlers or bot; their configuration arrives as a `JobHost` with a `JobConfig`.
"""
