"""The report stage: one self-contained HTML report, every table as CSV and Parquet, every chart as PNG,
and the rich summary ``leapplan run`` prints."""

from __future__ import annotations

from leapplan.report.inputs import EnsembleLike, PlanLike
from leapplan.report.meta import provenance, run_info
from leapplan.report.terminal import print_run_summary
from leapplan.report.write import write_report

__all__ = ["EnsembleLike", "PlanLike", "print_run_summary", "provenance", "run_info", "write_report"]
