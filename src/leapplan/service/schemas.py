"""Request bodies of the HTTP API, validated strictly (finite non-negative quantities, bounded strings)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from leapplan.service.security import Role

MAX_QUANTITY = 1e15
"""Largest quantity accepted [product unit, persons or yuan]; anything larger is surely a typing error."""

Quantity = Annotated[float, Field(ge=0, le=MAX_QUANTITY, allow_inf_nan=False, strict=True)]
PositiveQuantity = Annotated[float, Field(gt=0, le=MAX_QUANTITY, allow_inf_nan=False, strict=True)]
ClientId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")]
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
UnitId = Annotated[str, Field(min_length=1, max_length=100, pattern=NO_CONTROL)]
PeriodLabel = Annotated[str, Field(min_length=4, max_length=16, pattern=NO_CONTROL)]
Remark = Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class ReportIn(_Body):
    """One report: what a unit produced in a period, the inputs it received and the labour it used."""

    client_id: ClientId
    unit: UnitId
    period: PeriodLabel
    product: UnitId
    produced: Quantity = Field(description="Output in the period [product unit].")
    inputs: Annotated[dict[UnitId, Quantity], Field(max_length=200)] = Field(
        default_factory=dict, description="Inputs received in the period [each input's unit]."
    )
    labour: Quantity = Field(0.0, description="Workers employed [persons].")
    remark: Remark = ""
    in_service: Quantity | None = Field(
        None, description="Capacity still standing at the end of the period [product units per year]; re-plans read it."
    )


class CorrectionIn(_Body):
    """A new version of a report; unit/period/product may be repeated but not changed."""

    client_id: ClientId | None = None
    unit: UnitId | None = None
    period: PeriodLabel | None = None
    product: UnitId | None = None
    produced: Quantity
    inputs: Annotated[dict[UnitId, Quantity], Field(max_length=200)] = Field(default_factory=dict)
    labour: Quantity = 0.0
    remark: Remark = ""
    in_service: Quantity | None = None


class BatchIn(_Body):
    reports: Annotated[list[ReportIn], Field(min_length=1, max_length=1000)]


class ReturnIn(_Body):
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")]


class DeliveryIn(_Body):
    quantity: PositiveQuantity
    date: dt.date
    client_id: ClientId | None = None


class DeliveryCorrectionIn(_Body):
    """A new version of a delivery: quantity 0 withdraws it; the reason is required."""

    quantity: Quantity
    date: dt.date
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")]
    client_id: ClientId | None = None


class ReplanIn(_Body):
    """A re-plan (planners): after ``period`` (default: the latest period with reports), from the reports
    ``audited`` (the audit's estimates, default) or ``reported`` (as they stand); ``reserve``: the grain counted
    in the state reserve then (default: the books' figure)."""

    period: PeriodLabel | None = None
    basis: Literal["audited", "reported"] = "audited"
    reserve: Quantity | None = None


class SettingsIn(_Body):
    """Settings a planner changes while the service runs."""

    current_period: PeriodLabel


Password = Annotated[str, Field(min_length=1, max_length=1000)]


class PasswordIn(_Body):
    """A user's own password change."""

    current: Password
    new: Password


class UserIn(_Body):
    """A new account (planners)."""

    username: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]
    role: Role
    unit: UnitId | None = None
    password: Password


class UserChangeIn(_Body):
    """A changed account (planners): role and unit, and a new password when given. Revokes its tokens."""

    role: Role
    unit: UnitId | None = None
    password: Password | None = None
