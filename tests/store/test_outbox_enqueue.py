from datetime import UTC, datetime, timedelta

from sqlmodel import select

from models.tables import ChatIdentity, Outbox, Person
from services.outbox import enqueue_for_person
from services.unit_of_work import Sessions, transaction
from views.messages import Attachment, Button, Outgoing, ReminderItem

NOW = datetime(2023, 6, 1, 2, 0, tzinfo=UTC)


def test_a_message_survives_the_trip_through_its_outbox_payload() -> None:
    message = Outgoing(
        text="Nhắc việc",
        buttons=((Button("✅ Xong", "d:57"), Button("⏰", "z:57")),),
        attachments=(Attachment(kind="photo", path="/tmp/chart.png", caption="Biểu đồ"),),
        items=(ReminderItem(number=1, assignment_id=57), ReminderItem(2, 58, occurrence_id=3)),
        reply_hint="Trả lời: 1 xong",
    )
    assert Outgoing.from_payload(message.to_payload()) == message


async def test_a_person_is_written_to_on_their_newest_chat(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        person = Person(name="Chị Lan", created_at=NOW)
        lonely = Person(name="Anh Minh", created_at=NOW)
        session.add_all([person, lonely])
        await session.flush()
        assert person.id is not None and lonely.id is not None
        session.add(
            ChatIdentity(person_id=person.id, channel="telegram", chat_id="1", created_at=NOW)
        )
        session.add(
            ChatIdentity(
                person_id=person.id,
                channel="zalo",
                chat_id="z9",
                created_at=NOW + timedelta(days=1),
            )
        )
        row = await enqueue_for_person(
            session, person_id=person.id, message=Outgoing(text="Xin chào"), now=NOW
        )
        none = await enqueue_for_person(
            session, person_id=lonely.id, message=Outgoing(text="Xin chào"), now=NOW
        )
    assert row is not None and (row.channel, row.chat_id) == ("zalo", "z9")
    assert none is None
    async with sessions() as session:
        stored = (await session.exec(select(Outbox))).all()
    assert [(r.channel, r.state, r.payload["text"]) for r in stored] == [
        ("zalo", "pending", "Xin chào")
    ]
