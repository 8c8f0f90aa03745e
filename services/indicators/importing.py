"""Reading a plan file for its tasks and its indicators alike (the readers import openpyxl and
python-docx, so this stays out of the modules the reminder sweep imports)."""

from datetime import date
from pathlib import Path

from domain.agencies import AgencyRegistry
from domain.importers import PlanImportError, import_file, import_indicators
from domain.indicators.model import IndicatorSet
from domain.plans import PlanDraft


def read_plan_file(
    path: Path,
    *,
    registry: AgencyRegistry,
    plan_ref: str | None = None,
    plan_year: int | None = None,
    today: date | None = None,
) -> tuple[PlanDraft, IndicatorSet]:
    """A plan file's tasks and indicators. A file with indicators and no tasks (an indicator
    sheet) is a plan of its own, named by `plan_ref` or the file; a file with neither raises
    the task importer's PlanImportError."""
    found = IndicatorSet(source_file=path.name)
    try:
        draft = import_file(
            path, registry=registry, plan_ref=plan_ref, plan_year=plan_year, today=today
        )
    except PlanImportError:
        found = import_indicators(path, registry=registry)
        if not found.indicators:
            raise
        title = next(iter(found.tables.values()), "") or path.stem
        draft = PlanDraft(
            ref=plan_ref,
            title=title,
            issue_date=None,
            issuer=None,
            hub_code=None,
            source_file=path.name,
            plan_year=plan_year or found.year,
        )
        return draft, found
    return draft, import_indicators(path, registry=registry)
