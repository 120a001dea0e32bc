"""The plan monitoring service: reports from every unit, roll-up, audit, agreements, dashboard (see docs/service.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leapplan.errors import ServiceError

if TYPE_CHECKING:
    from leapplan.service.app import create_app

__all__ = ["ServiceError", "create_app"]


def __getattr__(name: str) -> Any:
    """``create_app`` is imported when first asked for: the CLI loads ``leapplan.service.command`` for every
    command, and FastAPI with SQLAlchemy take a second to import."""
    if name == "create_app":
        from leapplan.service.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
