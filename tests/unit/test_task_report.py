"""The JSON shape `dondoc import --format json` promises."""

from datetime import date

from domain.deadlines import parse_deadline
from domain.plans import PlanDraft, TaskDraft
from services.plans import task_report


def test_the_json_report_has_one_object_per_task_with_the_documented_fields() -> None:
    task = TaskDraft(
        code="III.1",
        section="III. Chuyển đổi số",
        title="Nhiệm vụ III.1",
        due=parse_deadline("Quý IV /2023", plan_year=2023),
        lead_codes=("STTTT",),
        lead_named=("STTTT",),
    )
    draft = PlanDraft(
        ref="40/KH-UBND",
        title="Kế hoạch",
        issue_date=date(2023, 2, 13),
        issuer=None,
        hub_code=None,
        source_file="000.txt",
        plan_year=2023,
        tasks=[task],
    )
    report = task_report(draft, plan_ref="40/KH-UBND")
    assert report == [
        {
            "plan_ref": "40/KH-UBND",
            "code": "III.1",
            "section": "III. Chuyển đổi số",
            "title": "Nhiệm vụ III.1",
            "leads": ["STTTT"],
            "cooperating": [],
            "start_text": None,
            "due_text": "Quý IV /2023",
            "due_kind": "quarter",
            "due_date": "2023-12-31",
            "recurrence": None,
            "problems": [],
        }
    ]
