"""Deliveries of agreements: recorded within the agreement's dates, corrected by new versions with a reason.

Quantities are in the agreement's unit. A delivery's date lies between the agreement's start and the end of the
plan, and not after today (see calendar.py); deliveries after the due date count as late. A correction adds the
next version with its reason and retires the one it replaces (quantity 0 withdraws the delivery); every version
stays in the table and in the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leapplan.service.calendar import period_bounds, today
from leapplan.service.context import ApiError, Context, iso, now, record
from leapplan.service.models import AgreementRow, Delivery
from leapplan.service.rollup import may_record_delivery
from leapplan.service.schemas import DeliveryCorrectionIn, DeliveryIn
from leapplan.service.security import Principal


def _check_date(ctx: Context, a: AgreementRow, day: dt.date) -> None:
    if day < a.start:
        raise ApiError(422, f"date {day} is before the agreement's start {a.start}")
    last = today(ctx)
    if day > last:
        raise ApiError(422, f"date {day} is in the future: deliveries can be recorded up to {last}")
    end = period_bounds(ctx.periods[-1])[1]
    if day > end:
        raise ApiError(422, f"date {day} is after the plan's last day {end}")


def _agreement(ctx: Context, session: Session, user: Principal, agreement_id: str) -> AgreementRow:
    a = session.get(AgreementRow, agreement_id)
    if a is None:
        raise ApiError(404, f"no agreement {agreement_id!r}")
    if not may_record_delivery(user, a):
        raise ApiError(
            403,
            f"{user.role.value} {user.username} may not record deliveries of {a.id!r}",
            actor=user.username,
            target=f"agreement {a.id}",
        )
    return a


def serialise(d: Delivery) -> dict[str, Any]:
    """The JSON form of one delivery version."""
    return {
        "id": d.id,
        "agreement": d.agreement_id,
        "origin_id": d.origin_id or d.id,
        "version": d.version,
        "current": d.current,
        "quantity": d.quantity,
        "date": d.date.isoformat(),
        "reason": d.reason,
        "client_id": d.client_id,
        "recorded_by": d.recorded_by,
        "recorded_at": iso(d.recorded_at),
    }


def _same_client(session: Session, client_id: str | None) -> Delivery | None:
    if client_id is None:
        return None
    return session.scalars(select(Delivery).where(Delivery.client_id == client_id)).first()


def _version(
    a: AgreementRow,
    quantity: float,
    day: dt.date,
    client_id: str | None,
    user: Principal,
    *,
    version: int,
    reason: str | None = None,
) -> Delivery:
    """A new current version of a delivery of ``a``."""
    return Delivery(
        agreement_id=a.id,
        quantity=quantity,
        date=day,
        client_id=client_id,
        recorded_by=user.username,
        recorded_at=now(),
        version=version,
        current=True,
        reason=reason,
    )


def record_delivery(ctx: Context, user: Principal, agreement_id: str, body: DeliveryIn) -> tuple[str, bool]:
    """Store a delivery; returns (agreement id, created). The same client_id with the same body is not stored
    again; with a different body it is 409."""
    with ctx.store.write() as session:
        a = _agreement(ctx, session, user, agreement_id)
        _check_date(ctx, a, body.date)
        prior = _same_client(session, body.client_id)
        if prior is not None:
            if prior.agreement_id != a.id or prior.quantity != body.quantity or prior.date != body.date:
                raise ApiError(409, f"client_id {body.client_id!r} was already used with a different body")
            return a.id, False
        d = _version(a, body.quantity, body.date, body.client_id, user, version=1)
        session.add(d)
        session.flush()
        d.origin_id = d.id
        record(session, user.username, "delivery", f"agreement {a.id}", None, serialise(d))
    return a.id, True


def correct_delivery(
    ctx: Context, user: Principal, delivery_id: int, body: DeliveryCorrectionIn
) -> tuple[dict[str, Any], bool]:
    """Replace the current version of a delivery by a new one with ``body.reason``; returns it and whether new."""
    with ctx.store.write() as session:
        old = session.get(Delivery, delivery_id)
        if old is None:
            raise ApiError(404, f"no delivery {delivery_id}")
        a = _agreement(ctx, session, user, old.agreement_id)
        prior = _same_client(session, body.client_id)
        if prior is not None:
            same = (prior.origin_id or prior.id) == (old.origin_id or old.id) and prior.quantity == body.quantity
            if not same or prior.date != body.date or prior.reason != body.reason:
                raise ApiError(409, f"client_id {body.client_id!r} was already used with a different body")
            return serialise(prior), False
        if not old.current:
            raise ApiError(409, f"delivery {delivery_id} was already corrected: correct its latest version")
        _check_date(ctx, a, body.date)
        old.current = False
        new = _version(a, body.quantity, body.date, body.client_id, user, version=old.version + 1, reason=body.reason)
        new.origin_id = old.origin_id or old.id
        session.add(new)
        session.flush()
        action = "delivery_withdraw" if body.quantity == 0 else "delivery_correct"
        record(session, user.username, action, f"agreement {a.id}", serialise(old), serialise(new))
        return serialise(new), True


def delivery_versions(ctx: Context, user: Principal, agreement_id: str) -> list[dict[str, Any]]:
    """Every version of every delivery of one agreement the user reads, in the order recorded."""
    with ctx.store.read() as session:
        a = session.get(AgreementRow, agreement_id)
        if a is None:
            raise ApiError(404, f"no agreement {agreement_id!r}")
        scope = user.reads(ctx.tree)
        if scope is not None and a.zone not in scope:
            raise ApiError(
                403,
                f"{user.role.value} {user.username} may not read agreement {a.id!r}",
                actor=user.username,
                target=f"agreement {a.id}",
            )
        rows = session.scalars(select(Delivery).where(Delivery.agreement_id == a.id).order_by(Delivery.id))
        return [serialise(d) for d in rows]
