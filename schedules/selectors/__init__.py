"""Reads that join several models for one screen, report or endpoint, one module
per read: the night board (board), the calendar's grid (grid) and the fairness
report (fairness, whose names are importable from here)."""

from schedules.selectors.fairness import (
    FairnessReport,
    MemberFairness,
    fairness_report,
    stored_decisions,
)

__all__ = ["FairnessReport", "MemberFairness", "fairness_report", "stored_decisions"]
