"""Scheduled work inside `dondoc run`: reminder sweeps, escalation, the weekly summary.

`build_scheduler` wires the jobs; `run_sweep` and `run_escalation` run one pass directly.
"""
