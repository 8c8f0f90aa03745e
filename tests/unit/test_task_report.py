"""The JSON shape `dondoc import --format json` promises."""

from datetime import date

from domain.deadlines import UnreadReason, parse_deadline
from domain.plans import PlanDraft, TaskDraft
from domain.problems import DEADLINE_REASONS
from locales import gettext_for
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
    report = task_report(draft, plan_ref="40/KH-UBND", translate=gettext_for("en"))
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


def test_the_json_report_gives_problems_in_the_readers_language() -> None:
    task = TaskDraft(
        code="III.2",
        section="III",
        title="Nhiệm vụ III.2",
        due=parse_deadline("sớm", plan_year=2023),
        unresolved_leads=("Phòng Văn hóa",),
    )
    draft = PlanDraft(
        ref=None,
        title="Kế hoạch",
        issue_date=None,
        issuer=None,
        hub_code=None,
        source_file="000.txt",
        plan_year=2023,
        tasks=[task],
    )
    [vietnamese] = task_report(draft, plan_ref=None, translate=gettext_for("vi"))
    assert vietnamese["problems"] == [
        "Không nhận ra cơ quan chủ trì: «Phòng Văn hóa»",
        "Không có cơ quan chủ trì",
        "Thời hạn không đọc được: «sớm» (không có mốc thời gian)",
    ]
    [english] = task_report(draft, plan_ref=None, translate=gettext_for("en"))
    assert english["problems"] == [
        "Lead agency not recognised: «Phòng Văn hóa»",
        "No lead agency",
        "Deadline not understood: «sớm» (no date or period in it)",
    ]


def test_every_reason_a_deadline_goes_unread_for_is_said_in_both_languages() -> None:
    vietnamese, english = gettext_for("vi"), gettext_for("en")
    for reason in UnreadReason:
        msgid = DEADLINE_REASONS[reason]
        assert vietnamese(msgid) == msgid
        assert english(msgid) != msgid, reason
