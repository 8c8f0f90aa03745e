"""Reading the store for people: my open tasks, one task's detail, what is overdue or due soon.

Every query takes the actor and shows only what their role may see (domain.access).
Overdue means an open lead assignment whose task's last on-time day is before the as-of
date, or an open report occurrence past its due date. Ongoing and conditional tasks have
no date and are never overdue. Lateness is counted in working days (WorkCalendar), the
way officials count it.

Modules: `tasks` (views by id, my open tasks, one task's detail, the actor's profile),
`overdue`, `upcoming`, and `scope` (the one resolver of what a person typed into an agency
or plan). They import domain, models, views and other services, never handlers, scheduler
or bot. The package offers their public functions under its own name.
"""

from services.queries.overdue import OVERDUE_PAGE_SIZE, overdue_all, overdue_page
from services.queries.scope import UnknownPlanError, resolve_scope, scope_from_token, summary_scope
from services.queries.tasks import (
    HISTORY_LIMIT,
    LIST_LIMIT,
    OPEN_STATUSES,
    Profile,
    UnknownAssignmentError,
    assignment_detail,
    find_by_code,
    my_open_assignments,
    plan_label,
    profile,
    view,
    views,
    visible_view,
)
from services.queries.upcoming import upcoming

__all__ = [
    "HISTORY_LIMIT",
    "LIST_LIMIT",
    "OPEN_STATUSES",
    "OVERDUE_PAGE_SIZE",
    "Profile",
    "UnknownAssignmentError",
    "UnknownPlanError",
    "assignment_detail",
    "find_by_code",
    "my_open_assignments",
    "overdue_all",
    "overdue_page",
    "plan_label",
    "profile",
    "resolve_scope",
    "scope_from_token",
    "summary_scope",
    "upcoming",
    "view",
    "views",
    "visible_view",
]
