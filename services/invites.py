"""Inviting a plan's lead agencies in bulk: one officer invite per agency that needs one."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from domain.access import Role
from models.enums import AssignmentRole
from models.tables import Agency, Assignment, Person, Task
from services.people import CreatedInvite, create_invite
from services.queries.scope import summary_scope
from services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PlanInvites:
    """The invites created, and the lead agencies skipped because they have an officer."""

    created: tuple[CreatedInvite, ...]
    staffed: tuple[Agency, ...]


async def lead_agencies(session: UnitOfWork, *, plan: str) -> list[Agency]:
    """The agencies that lead at least one current task of a plan (id, number or key), by code.

    Raises services.queries.UnknownPlanError when no plan matches.
    """
    scope = await summary_scope(session, plans=[plan])
    rows = await session.exec(
        select(Agency)
        .where(
            col(Agency.id).in_(
                select(Assignment.agency_id)
                .join(Task, col(Task.id) == col(Assignment.task_id))
                .where(
                    col(Task.plan_id).in_(sorted(scope.plan_ids)),
                    col(Task.removed).is_(False),
                    col(Task.same_as_task_id).is_(None),
                    col(Assignment.role) == AssignmentRole.LEAD.value,
                )
            ),
            col(Agency.is_group).is_(False),
        )
        .order_by(col(Agency.code))
    )
    return list(rows.all())


async def _staffed(session: UnitOfWork, agencies: list[Agency]) -> set[int | None]:
    """The ids of those agencies that have an active officer."""
    return set(
        (
            await session.exec(
                select(Person.agency_id)
                .distinct()
                .where(
                    col(Person.role) == Role.OFFICER.value,
                    col(Person.active).is_(True),
                    col(Person.agency_id).in_([a.id for a in agencies]),
                )
            )
        ).all()
    )


async def unstaffed_leads(session: UnitOfWork, *, plan: str) -> list[Agency]:
    """The lead agencies of a plan that have no officer to receive its reminders, by code."""
    agencies = await lead_agencies(session, plan=plan)
    staffed = await _staffed(session, agencies)
    return [agency for agency in agencies if agency.id not in staffed]


async def invite_plan_leads(
    session: UnitOfWork,
    *,
    plan: str,
    uses: int,
    expires_in: timedelta,
    now: datetime,
    created_by: str,
    include_staffed: bool = False,
) -> PlanInvites:
    """Create an officer invite for every lead agency of a plan.

    Agencies that already have an active officer are skipped unless `include_staffed`,
    so running it again after some have registered invites only those still missing.
    """
    agencies = await lead_agencies(session, plan=plan)
    staffed_ids = await _staffed(session, agencies)
    created: list[CreatedInvite] = []
    staffed: list[Agency] = []
    for agency in agencies:
        if agency.id in staffed_ids and not include_staffed:
            staffed.append(agency)
            continue
        created.append(
            await create_invite(
                session,
                agency_code=agency.code,
                role=Role.OFFICER,
                uses=uses,
                expires_in=expires_in,
                now=now,
                created_by=created_by,
            )
        )
    return PlanInvites(created=tuple(created), staffed=tuple(staffed))
