"""A coordinator sends a plan file to the bot on Telegram: the real aiogram client, the real
conversation and outbox, the fake Bot API (which also serves the file). What the user sees is
what the fake received; what changed is read from the store.
"""

import asyncio
import html
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiogram import Bot
from sqlmodel import col, func, select

from bot.bootstrap import ChannelContext, build
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.inbound import setup_dispatcher
from bot.channels.telegram.runtime import TelegramRuntime
from bot.outbox.limits import ChannelLimits
from bot.settings import load_settings
from domain.access import Role
from handlers.conversation import Conversation
from models.tables import Agency, Assignment, HandledUpdate, Invite, Outbox, Plan, Task, Upload
from services import agencies as agency_service
from services.unit_of_work import Sessions, transaction
from tests import hostile_files
from tests.builders import NOW, World
from tests.conftest import BOTH_STORES
from tests.fakes.clock import FakeClock
from tests.fakes.telegram_api import BOT_USERNAME, DEFAULT_TOKEN, SENDING, Call, FakeTelegramAPI
from views.messages import Incoming

pytestmark = BOTH_STORES
DOCUMENTS = Path(__file__).resolve().parents[1] / "data" / "documents"
# Thông báo 512/TB-UBND of 10/11/2025: five tasks, five duties without one, an invitation.
CONCLUSION = (DOCUMENTS / "thong-bao-ket-luan.txt").read_bytes()
COORDINATOR, OFFICER = 900, 501


class Counted:
    """The conversation, counting the updates it has finished."""

    def __init__(self, conversation: Conversation) -> None:
        self._conversation = conversation
        self.handled = 0

    async def handle(self, incoming: Incoming) -> None:
        await self._conversation.handle(incoming)
        self.handled += 1


@dataclass
class Desk:
    """A coordinator's Telegram chat with the bot, and the store behind it."""

    api: FakeTelegramAPI
    conversation: Counted
    sessions: Sessions

    async def _settle(self, handled: int) -> None:
        for _ in range(6000):
            if self.conversation.handled >= handled and await self._unsent() == 0:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the bot did not answer in time")

    async def _unsent(self) -> int:
        async with self.sessions() as session:
            result = await session.exec(
                select(func.count())
                .select_from(Outbox)
                .where(col(Outbox.state).in_(["pending", "sending"]))
            )
            return int(result.one())

    async def exchange(self, chat: int, update: dict[str, object]) -> list[Call]:
        mark = len(self.api.calls)
        handled = self.conversation.handled + 1
        self.api.push_update(update)
        await self._settle(handled)
        return [
            c
            for c in self.api.calls[mark:]
            if c.ok and c.method in SENDING and c.chat_id == str(chat)
        ]

    async def send_file(
        self,
        chat: int,
        content: bytes | None,
        name: str,
        *,
        size: int | None = None,
        mime_type: str = "text/plain",
    ) -> list[Call]:
        """Send a document; what the bot then sent to that chat."""
        update = self.api.document_update(
            chat, content, file_name=name, mime_type=mime_type, size=size
        )
        return await self.exchange(chat, update)

    async def press(self, chat: int, data: str, *, under: Call) -> list[Call]:
        assert under.message_id is not None
        update = self.api.callback_update(chat, data, message_id=under.message_id)
        return await self.exchange(chat, update)

    async def say(self, chat: int, text: str) -> list[Call]:
        return await self.exchange(chat, self.api.message_update(chat, text))

    async def count(self, table: type, *where: object) -> int:
        async with self.sessions() as session:
            statement = select(func.count()).select_from(table)
            for condition in where:
                statement = statement.where(condition)  # type: ignore[arg-type]
            return int((await session.exec(statement)).one())


@asynccontextmanager
async def desk(sessions: Sessions) -> AsyncIterator[Desk]:
    """The shipped registry, a coordinator of the city's office, an officer of Sở Khoa học và
    Công nghệ, and the bot on Telegram against the fake Bot API."""
    registry = agency_service.read_registry(
        agency_service.SHIPPED_REGISTRY.read_text(encoding="utf-8")
    )
    async with transaction(sessions) as session:
        await agency_service.load_registry(session, registry=registry, now=NOW, actor="test")
    world = World(sessions)
    async with sessions() as session:
        world.agencies = {
            a.code: a.id for a in (await session.exec(select(Agency))).all() if a.id is not None
        }
    await world.person("Trần Thị Bình", role=Role.COORDINATOR, agency="VPUBND", chat_id="900")
    await world.person("Nguyễn Văn An", role=Role.OFFICER, agency="SKHCN", chat_id="501")
    clock = FakeClock(NOW)
    settings = load_settings(
        _env_file=None,
        database_url="sqlite:///unused.db",
        http_host="127.0.0.1",
        http_port=0,
        telegram_bot_username=BOT_USERNAME,
    )
    async with FakeTelegramAPI() as api:
        bot: Bot = make_bot(
            load_settings(
                _env_file=None, telegram_token=DEFAULT_TOKEN, telegram_api_base=api.base_url
            ),
            timeout=10,
        )
        counted: list[Counted] = []

        async def telegram(context: ChannelContext) -> TelegramRuntime:
            conversation = Counted(context.conversation)
            counted.append(conversation)
            runtime = TelegramRuntime(
                bot=bot,
                dispatcher=setup_dispatcher(conversation=conversation, clock=clock),
                polling_timeout=1,
            )
            await runtime.start()
            return runtime

        service = build(
            settings,
            clock=clock,
            channels={"telegram": telegram},
            engine=sessions.kw["bind"],
            limits={"telegram": ChannelLimits(per_second=1000, private_chat_interval=0)},
            schedule=False,
            idle_poll=0.05,
        )
        async with service:
            yield Desk(api=api, conversation=counted[0], sessions=sessions)


def text(call: Call) -> str:
    return html.unescape(call.text or "")


def buttons(call: Call) -> list[list[tuple[str, str]]]:
    return [[(b["text"], b["callback_data"]) for b in row] for row in call.buttons]


async def test_a_coordinator_previews_a_plan_then_imports_it_once_and_invites_its_leads(
    sessions: Sessions,
) -> None:
    async with desk(sessions) as tb:
        [preview] = await tb.send_file(COORDINATOR, CONCLUSION, "TB-512.txt")
        stored_before = await tb.count(Plan)
        [[(import_label, import_data), (cancel_label, _)]] = buttons(preview)
        [imported] = await tb.press(COORDINATOR, import_data, under=preview)
        tasks = await tb.count(Task)
        [again] = await tb.press(COORDINATOR, import_data, under=preview)
        [[(invite_label, invite_data)]] = buttons(imported)
        invites = await tb.press(COORDINATOR, invite_data, under=imported)
        [invited_again] = await tb.press(COORDINATOR, invite_data, under=imported)
        stored_invites = await tb.count(Invite)
        plans = await tb.count(Plan)
        leads = await tb.count(
            Assignment, col(Assignment.role) == "lead", col(Assignment.status) == "not_started"
        )
        unstaffed = await tb.count(
            Assignment,
            col(Assignment.role) == "lead",
            col(Assignment.agency_id).not_in(
                select(Agency.id).where(Agency.code == "SKHCN")  # the officer's agency
            ),
        )

    shown = text(preview)
    assert shown.startswith("📄 Xem trước «THÔNG BÁO Kết luận của Chủ tịch Ủy ban nhân dân")
    assert "(512/TB-UBND)" in shown
    assert (
        "Tìm thấy 10 nhiệm vụ: 5 thành việc cần nhắc, 5 chưa (2 không ghi thời hạn, 1 thường "
        "xuyên, 1 định kỳ, 1 không nêu cơ quan); 0 thời hạn không đọc được; 1 lời mời, đề nghị."
    ) in shown
    assert (
        "Các nhiệm vụ đầu tiên:\n"
        "• 2.a Xây dựng Kế hoạch chuyển đổi số năm 2026 của thành phố,… — SKHCN · hạn 14/12/2025"
    ) in shown
    assert "• 7 Chủ động bố trí nhân lực vận hành Bộ phận Một cửa — UBND-XA-PHUONG-DACKHU" in shown
    assert shown.endswith("Nhập kế hoạch này?")
    assert (import_label, cancel_label) == ("✅ Nhập", "✖️ Không nhập")
    assert stored_before == 0

    assert text(imported).startswith(
        "✅ Đã nhập «THÔNG BÁO Kết luận của Chủ tịch Ủy ban nhân dân thành phố tại cuộc…»"
    )
    assert "(512/TB-UBND): 5 nhiệm vụ mới, 0 cập nhật, 0 gỡ bỏ" in text(imported)
    # Sở Khoa học và Công nghệ has its officer; Tài chính, Nội vụ and the 114 communes do not.
    assert (
        "Cơ quan chủ trì chưa có cán bộ nhận nhắc việc (116): Sở Nội vụ (SNV), Sở Tài chính "
        "(STC), Ủy ban nhân dân "
    ) in text(imported)
    assert "và 106 cơ quan khác" in text(imported)
    assert "Sở Khoa học và Công nghệ" not in text(imported)
    assert invite_label == "📨 Tạo mã mời cho 116 cơ quan"
    assert (plans, tasks) == (1, 5)
    assert leads == 2 + 1 + 1 + 114
    assert unstaffed == 1 + 1 + 114

    assert text(again) == "Tệp này đã được nhập rồi."
    first = "\n".join(text(call) for call in invites)
    assert first.startswith("📨 Mã mời cán bộ đầu mối (116, mỗi mã dùng một lần")
    assert "• Sở Tài chính (STC): /start " in first
    assert f"https://t.me/{BOT_USERNAME}?start=" in first
    assert stored_invites == 116
    assert text(invited_again) == "Mã mời cho kế hoạch này đã được tạo rồi."


async def test_the_store_takes_writes_while_a_plan_is_being_downloaded(
    sessions: Sessions,
) -> None:
    # The file is fetched before the unit of work that answers it begins, so a slow download
    # never holds the store's write lock (SQLite) while everyone else's replies wait.
    async with desk(sessions) as tb:
        tb.api.hold_downloads()
        handled = tb.conversation.handled + 1
        tb.api.push_update(tb.api.document_update(COORDINATOR, CONCLUSION, file_name="TB-512.txt"))
        for _ in range(6000):
            if tb.api.downloads:
                break
            await asyncio.sleep(0.01)
        assert tb.api.downloads, "the plan was never downloaded"
        async with transaction(sessions) as session:
            session.add(HandledUpdate(source_id="another chat's reply", at=NOW))
        written = await tb.count(
            HandledUpdate, col(HandledUpdate.source_id) == "another chat's reply"
        )
        tb.api.release_downloads()
        await tb._settle(handled)
    assert written == 1


async def test_not_importing_stores_nothing_and_the_import_button_then_says_so(
    sessions: Sessions,
) -> None:
    async with desk(sessions) as tb:
        [preview] = await tb.send_file(COORDINATOR, CONCLUSION, "TB-512.txt")
        [[(_, import_data), (_, cancel_data)]] = buttons(preview)
        [cancelled] = await tb.press(COORDINATOR, cancel_data, under=preview)
        [late] = await tb.press(COORDINATOR, import_data, under=preview)
        plans = await tb.count(Plan)
        states = await tb.count(Upload, col(Upload.state) == "cancelled")

    assert text(cancelled) == "Đã bỏ qua tệp này, không nhập gì."
    assert text(late) == "Bạn đã chọn không nhập tệp này. Muốn nhập, xin gửi lại tệp."
    assert (plans, states) == (0, 1)


async def test_a_newer_file_makes_the_older_preview_stale(sessions: Sessions) -> None:
    async with desk(sessions) as tb:
        [older] = await tb.send_file(COORDINATOR, CONCLUSION, "TB-512.txt")
        [newer] = await tb.send_file(COORDINATOR, CONCLUSION, "TB-512-sua.txt")
        [[(_, old_import), _]] = buttons(older)
        [[(_, new_import), _]] = buttons(newer)
        [stale] = await tb.press(COORDINATOR, old_import, under=older)
        [done] = await tb.press(COORDINATOR, new_import, under=newer)

    assert old_import != new_import
    assert text(stale) == "Đã có tệp mới hơn trong cuộc trò chuyện này; nút này không còn dùng."
    assert text(done).startswith("✅ Đã nhập")


async def test_an_officer_cannot_import_and_the_file_is_never_fetched(sessions: Sessions) -> None:
    async with desk(sessions) as tb:
        [answer] = await tb.send_file(OFFICER, CONCLUSION, "TB-512.txt")
        uploads = await tb.count(Upload)
        get_file = tb.api.calls_of("getFile")

    assert text(answer) == (
        "Chỉ điều phối viên mới nhập được kế hoạch. Nếu đây là kế hoạch cần theo dõi, xin gửi "
        "tệp cho điều phối viên."
    )
    assert (uploads, get_file, tb.api.downloads) == (0, [], [])


async def test_a_file_over_twenty_megabytes_gets_one_line_and_is_not_downloaded(
    sessions: Sessions,
) -> None:
    async with desk(sessions) as tb:
        answers = await tb.send_file(
            COORDINATOR, None, "ke-hoach-scan.docx", size=25 * 1024 * 1024
        )
        uploads = await tb.count(Upload)

    assert [text(a) for a in answers] == [
        "Tệp quá lớn: bot chỉ nhận tệp đến 20 MB. Xin gửi bản nhỏ hơn."
    ]
    assert (uploads, tb.api.calls_of("getFile"), tb.api.downloads) == (0, [], [])


async def test_a_file_that_is_not_a_plan_gets_one_clear_line(sessions: Sessions) -> None:
    async with desk(sessions) as tb:
        pdf = await tb.send_file(COORDINATOR, b"%PDF-1.7", "ke-hoach.pdf", mime_type="x/pdf")
        notes = await tb.send_file(COORDINATOR, "Xin chào, hẹn gặp lại.".encode(), "ghi-chu.txt")
        uploads = await tb.count(Upload)

    assert [text(a) for a in pdf] == [
        "«ke-hoach.pdf» không phải tệp kế hoạch đọc được. Xin gửi tệp .docx, .xlsx, .csv "
        "hoặc .txt."
    ]
    [refused] = [text(a) for a in notes]
    assert refused.startswith(
        "Không nhập được «ghi-chu.txt»: «ghi-chu.txt» không có nhiệm vụ nào nhận ra được. "
        "Đã tìm: bảng nhiệm vụ"
    )
    assert uploads == 0


async def test_import_on_telegram_says_to_send_the_file_here(sessions: Sessions) -> None:
    async with desk(sessions) as tb:
        [coordinator] = await tb.say(COORDINATOR, "/nhap")
        [officer] = await tb.say(OFFICER, "/import")

    assert text(coordinator).startswith("Gửi tệp kế hoạch (.docx, .xlsx, .csv hoặc .txt) vào đây")
    assert text(officer).startswith("Chỉ điều phối viên mới nhập được kế hoạch.")


async def test_item11_a_damaged_or_hostile_file_sent_in_the_chat_gets_one_line(
    sessions: Sessions, tmp_path: Path
) -> None:
    async with desk(sessions) as tb:
        answers = [
            await tb.send_file(COORDINATOR, path.read_bytes(), path.name)
            for path in (
                hostile_files.damaged_word(tmp_path),
                hostile_files.billion_laughs(tmp_path),
                hostile_files.huge_csv_field(tmp_path),
            )
        ]
        uploads = await tb.count(Upload)

    refusals = [[text(a) for a in answer] for answer in answers]
    assert [len(refusal) for refusal in refusals] == [1, 1, 1]
    assert "không phải tệp Word mở được" in refusals[0][0]
    assert "khai báo DOCTYPE/ENTITY" in refusals[1][0]
    assert "Tệp quá lớn: «huge-field.csv» có một ô dài hơn 128 KB" in refusals[2][0]
    assert all("\n" not in refusal[0] for refusal in refusals)
    assert uploads == 0
