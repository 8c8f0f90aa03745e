"""The reporting duties (chế độ báo cáo) table: who reports to whom, how often.

Columns: doc, who_reports, reports_to, cadence, day_rule_text, explicit_dates_if_derivable,
quote. Text in "[…]" is an annotation by whoever compiled the table, not document text, so it
is left out when agencies are read. Each row becomes one task coded by its document ("000.BC1")
whose section is the document's file name, so the store can attach it to that plan. The quote
is the plan's own sentence, so a row and the prose duty of the plan it restates share an
`obligation` key (see `domain.plans.restated_duties`): one obligation, one task per agency.
"""

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from domain.agencies import AgencyRegistry
from domain.deadlines import Deadline, DeadlineKind, parse_deadline
from domain.importers.blocks import PlanImportError
from domain.importers.prose import obligation_key
from domain.plans import PlanDraft, SourceKind, TaskDraft, assignable
from domain.problems import Problem
from domain.recurrence import Cadence
from domain.text import clean
from locales import N_

_KEY_COLUMNS = {"who_reports", "reports_to", "cadence"}
_ANNOTATION = re.compile(r"\[[^\]]*\]")
# "(qua Sở Thông tin và Truyền thông)": the report physically goes to that department too.
_VIA = re.compile(r"\(\s*qua\s+([^()]*)\)", re.IGNORECASE)
# How each cadence is said in the documents, for rows whose day rule names another cadence
# ("Định kỳ hàng tháng, quý, năm" is split into a monthly, a quarterly and a yearly row).
_CADENCE_PHRASES = {
    Cadence.MONTHLY: "hằng tháng",
    Cadence.QUARTERLY: "hằng quý",
    Cadence.SIX_MONTHLY: "định kỳ 6 tháng",
    Cadence.YEARLY: "hằng năm",
}
_AD_HOC = "ad-hoc"
_ON_REQUEST = "đột xuất"


def is_duty_table(header: Sequence[str]) -> bool:
    """Whether a CSV header is the reporting-duties table's."""
    names = {clean(name).lower() for name in header}
    return names >= _KEY_COLUMNS


def duty_plan(
    rows: Sequence[Mapping[str, str]],
    *,
    registry: AgencyRegistry,
    source_file: str,
    plan_ref: str | None = None,
    plan_year: int | None = None,
) -> PlanDraft:
    """Every reporting duty as a recurring (or one-off, or ad hoc) report task (names read as
    of `registry.day`)."""
    if not rows:
        raise PlanImportError(
            Problem.of(
                N_("«{name}» có các cột chế độ báo cáo nhưng không có dòng nào."),
                name=source_file,
            )
        )
    years = Counter(
        int(value[:4])
        for row in rows
        for value in (row.get("explicit_dates_if_derivable") or "").split(";")
        if value[:4].isdigit()
    )
    year = plan_year or (years.most_common(1)[0][0] if years else None)
    draft = PlanDraft(
        ref=plan_ref,
        title="Chế độ báo cáo",
        issue_date=None,
        issuer=None,
        hub_code=None,
        source_file=source_file,
        plan_year=year,
    )
    counts: Counter[str] = Counter()
    for row in rows:
        doc = clean(row.get("doc", ""))
        prefix = doc.split("_")[0] or "BC"
        counts[prefix] += 1
        draft.tasks.append(_duty(row, f"{prefix}.BC{counts[prefix]}", doc, registry, year))
    return draft


def _duty(
    row: Mapping[str, str], code: str, doc: str, registry: AgencyRegistry, year: int | None
) -> TaskDraft:
    reporters = registry.resolve_cell(_document_text(row.get("who_reports", "")))
    recipients = registry.resolve_cell(
        _document_text(_VIA.sub(r", \1", row.get("reports_to", "")))
    )
    cadence = clean(row.get("cadence", ""))
    quote = clean(row.get("quote", ""))
    notes = (
        []
        if recipients.codes or recipients.unresolved
        else [Problem(N_("Không nêu nơi nhận báo cáo"))]
    )
    return TaskDraft(
        code=code,
        section=doc,
        title=quote or clean(row.get("day_rule_text", "")),
        due=_deadline(row, cadence, year),
        lead_codes=assignable(reporters.codes, registry),
        unresolved_leads=reporters.unresolved,
        lead_named=reporters.named,
        groups=reporters.groups,
        source_kind=SourceKind.REPORT_DUTY,
        recipients=assignable(recipients.codes, registry),
        unresolved_recipients=recipients.unresolved,
        notes=tuple(notes),
        obligation=obligation_key(quote, reporters.named, registry) if quote else None,
    )


def _document_text(value: str) -> str:
    return clean(_ANNOTATION.sub(" ", value))


def _deadline(row: Mapping[str, str], cadence: str, year: int | None) -> Deadline:
    rule = clean(row.get("day_rule_text", ""))
    deadline = parse_deadline(rule, plan_year=year)
    if cadence in {member.value for member in Cadence}:
        wanted = Cadence(cadence)
        if deadline.recurrence is None or deadline.recurrence.cadence != wanted:
            # The rule text names several cadences or none; the row's cadence decides, and a
            # "trước ngày 20" day rule in the text still applies.
            before_day = deadline.recurrence.before_day if deadline.recurrence else None
            spoken = _CADENCE_PHRASES[wanted]
            if before_day is not None:
                spoken += f" (trước ngày {before_day} của tháng)"
            deadline = replace(parse_deadline(spoken), original=rule or spoken)
        return deadline
    if cadence == _AD_HOC and deadline.kind != DeadlineKind.CONDITIONAL:
        # Ad hoc reports are due when someone asks or a difficulty comes up.
        return replace(parse_deadline(_ON_REQUEST), original=rule or _ON_REQUEST)
    if deadline.kind in (DeadlineKind.UNREAD, DeadlineKind.EMPTY):
        dates = [value.strip() for value in row.get("explicit_dates_if_derivable", "").split(";")]
        if len(dates) == 1 and dates[0]:
            due = date.fromisoformat(dates[0])
            spoken = f"ngày {due.day}/{due.month}/{due.year}"
            return replace(parse_deadline(spoken), original=rule or spoken)
    return deadline
