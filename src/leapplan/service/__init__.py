"""The plan monitoring service: reports from every unit, roll-up, audit, agreements, dashboard (see API.md)."""

from __future__ import annotations

from leapplan.service.app import create_app
from leapplan.service.db import ServiceError

__all__ = ["ServiceError", "create_app"]
