"""Indicators (chỉ tiêu): targets, the figures officers report, checkpoints and judgement."""
