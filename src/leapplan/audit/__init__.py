"""Audit: reports from units checked against the material balance, capacity, labour, history, peers,
their parents' totals and the plan.

    from leapplan.audit import audit_reports
    flags = audit_reports(scenario, reports, plan=None)   # [report_id, unit, period, product, check, severity, message]
    validate_reports(scenario, reports)                    # raises AuditError listing every bad report
"""

from __future__ import annotations

from leapplan.audit.core import audit_reports, validate_reports
from leapplan.audit.rules import FLAG_COLUMNS, AuditFlag, AuditRules, Check, Severity

__all__ = ["FLAG_COLUMNS", "AuditFlag", "AuditRules", "Check", "Severity", "audit_reports", "validate_reports"]
