"""`/dashboard/`: the web dashboard for coordinators and leaders, on `dondoc run`'s server.

Pages are rendered on the server (Jinja2, templates and static files shipped in this
package: nothing from a CDN, it works on an intranet), in the reader's language. Every page
is a GET that changes nothing; the one POST, signing out, carries a token tied to the
session. A request without an open session gets a page saying how to sign in (send
/dashboard to the bot). The services decide what each role may read (services.dashboard);
this module maps requests to them and renders. Every answer carries headers that forbid
inline script, framing and referrers.
"""

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from bot.dashboard.charts import VERDICT_COLOURS, agencies_chart, buckets_chart, indicators_chart
from bot.http import HttpServer
from domain.access import AccessDenied, Actor, Role
from domain.calendar import WorkCalendar
from domain.statistics import BUCKET_NAMES, Bucket
from locales import LOCALES, N_, gettext_for, normalise_locale
from services.clock import Clock
from services.dashboard import auth, export, pages, requests
from services.dashboard.items import Filters, period_choices, period_from_key, period_key
from services.dashboard.overview import overview, plan_choices
from services.dashboard.pages import NotFound
from services.file_links import FileLinks
from services.statistics import cooperating_names
from services.unit_of_work import Sessions, transaction
from views.statistics import rate_text
from views.text import channel_label, moment, number, role_label, short_day, status_label

log = logging.getLogger(__name__)

PREFIX = "/dashboard/"
COOKIE = "dondoc_dashboard"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".png": "image/png"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
# How many items a list shows; its .xlsx has them all.
LIST_SHOWN = 500


@dataclass(frozen=True)
class DashboardConfig:
    """What the dashboard needs of the configuration."""

    base_url: str
    data_dir: Path
    tz: ZoneInfo
    calendar: WorkCalendar
    # Where /files/ is published (DONDOC_PUBLIC_FILES_URL): evidence files are linked there.
    files_url: str | None = None

    @property
    def secure(self) -> bool:
        """Whether the dashboard is reached over HTTPS (then its cookie says so)."""
        return self.base_url.startswith("https://")

    @property
    def links(self) -> FileLinks:
        """The signer of the sign-in links (the report links' key)."""
        return FileLinks.of(self.data_dir)


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("bot.dashboard", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


Page = Callable[[web.Request, Actor, str], Awaitable[web.StreamResponse]]


class Dashboard:
    """The dashboard's request handlers over one store."""

    def __init__(self, *, sessions: Sessions, config: DashboardConfig, clock: Clock) -> None:
        self._sessions = sessions
        self._config = config
        self._clock = clock
        self._env = _environment()
        self._static = files("bot.dashboard") / "static"

    # ---- plumbing ----------------------------------------------------------------------

    async def get(self, request: web.Request) -> web.StreamResponse:
        """Every GET under /dashboard/."""
        path = request.path.removeprefix(PREFIX).strip("/")
        if path == auth.SIGN_IN_PATH:
            return await self._sign_in_page(request)
        if path.startswith("static/"):
            return self._static_file(path.removeprefix("static/"))
        token = request.cookies.get(COOKIE, "")
        async with self._sessions() as session:
            actor = await auth.session_actor(session, token=token, now=self._clock())
        if actor is None:
            return self._signed_out(status=401)
        page = self._route(path)
        if page is None:
            return self._message(actor, N_("Không có trang này."), status=404)
        try:
            return await page(request, actor, token)
        except NotFound:
            return self._message(actor, N_("Không có trang này."), status=404)
        except AccessDenied:
            return self._message(actor, N_("Bạn không có quyền xem trang này."), status=403)

    async def post(self, request: web.Request) -> web.StreamResponse:
        """Every POST under /dashboard/: signing in with a link's secret, signing out with
        the session's form token; nothing else."""
        path = request.path.removeprefix(PREFIX).strip("/")
        if path == auth.SIGN_IN_PATH:
            return await self._sign_in(request)
        if path != "signout":
            raise web.HTTPMethodNotAllowed(request.method, ["GET"])
        token = request.cookies.get(COOKIE, "")
        form = await request.post()
        sent = str(form.get("csrf", "")).encode()
        expected = auth.form_token(token, links=self._config.links).encode()
        if not token or not hmac.compare_digest(sent, expected):
            return _secured(web.Response(status=403, text=_both(N_("Yêu cầu không hợp lệ."))))
        async with transaction(self._sessions) as session:
            await auth.sign_out(session, token=token, now=self._clock())
        response = self._signed_out(status=200)
        response.del_cookie(COOKIE, path="/dashboard")
        return response

    def _route(self, path: str) -> Page | None:
        if path == "":
            return self._overview
        if path == "pending":
            return self._pending
        kind, _, ident = path.partition("/")
        if not (ident.isascii() and ident.isdigit()) or len(ident) > 9:
            return None
        by_id = {"agency": self._agency, "plan": self._plan, "task": self._task}
        page = by_id.get(kind)
        return partial(page, ident=int(ident)) if page else None

    def _static_file(self, name: str) -> web.StreamResponse:
        suffix = Path(name).suffix
        if "/" in name or name.startswith(".") or suffix not in _STATIC_TYPES:
            raise web.HTTPNotFound()
        resource = self._static / name
        if not resource.is_file():
            raise web.HTTPNotFound()
        response = web.Response(body=resource.read_bytes(), content_type=_STATIC_TYPES[suffix])
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response

    async def _sign_in_page(self, request: web.Request) -> web.StreamResponse:
        """A link opened: a button that uses it, if it can be used."""
        query = {key: request.query.get(key, "") for key in ("n", "e", "s")}
        async with self._sessions() as session:
            link = await auth.usable_link(
                session,
                nonce=query["n"],
                expires=query["e"],
                signature=query["s"],
                links=self._config.links,
                now=self._clock(),
            )
        if link is None:
            return self._refused_link()
        return self._signed_out(status=200, sign_in=query)

    def _refused_link(self) -> web.Response:
        log.info("refused a dashboard sign-in link")
        return self._signed_out(
            status=403,
            reason=N_(
                "Liên kết đăng nhập này không hợp lệ, đã hết hạn hoặc đã được dùng. "
                "Gửi /dashboard cho Đôn Đốc để nhận liên kết mới."
            ),
        )

    async def _sign_in(self, request: web.Request) -> web.StreamResponse:
        """The button pressed: the link is used and a session begins."""
        form = await request.post()
        async with transaction(self._sessions) as session:
            signed = await auth.sign_in(
                session,
                nonce=str(form.get("n", "")),
                expires=str(form.get("e", "")),
                signature=str(form.get("s", "")),
                links=self._config.links,
                now=self._clock(),
            )
        if signed is None:
            return self._refused_link()
        response = web.Response(status=303, headers={"Location": PREFIX})
        response.set_cookie(
            COOKIE,
            signed.token,
            max_age=int(auth.SESSION_LIFETIME.total_seconds()),
            path="/dashboard",
            httponly=True,
            secure=self._config.secure,
            samesite="Strict",
        )
        response.headers.update(SECURITY_HEADERS)
        return response

    def _signed_out(
        self, *, status: int, reason: str | None = None, sign_in: dict[str, str] | None = None
    ) -> web.Response:
        """The page for a browser without a session, in both languages: how to sign in, or
        (`sign_in`: a usable link's fields) the button that signs in."""
        body = self._env.get_template("signed_out.html").render(
            versions=[
                (locale, gettext_for(locale), gettext_for(locale)(reason) if reason else None)
                for locale in LOCALES
            ],
            static=PREFIX + "static/",
            sign_in=sign_in,
            action=PREFIX + auth.SIGN_IN_PATH,
        )
        return _secured(web.Response(status=status, text=body, content_type="text/html"))

    def _message(self, actor: Actor, message: str, *, status: int) -> web.Response:
        return self._render(
            "message.html", actor, "", {"message": gettext_for(actor.locale)(message)}, status
        )

    def _render(
        self,
        template: str,
        actor: Actor,
        token: str,
        context: dict[str, Any],
        status: int = 200,
    ) -> web.Response:
        locale = normalise_locale(actor.locale)
        tz = self._config.tz

        def day(value: date | None) -> str:
            return short_day(value, locale=locale) if value else ""

        def when(value: datetime | None) -> str:
            return moment(value, locale=locale, tz=tz) if value else ""

        body = self._env.get_template(template).render(
            _=gettext_for(locale),
            locale=locale,
            actor=actor,
            role=role_label(actor.role, gettext_for(locale)),
            csrf=auth.form_token(token, links=self._config.links) if token else "",
            static=PREFIX + "static/",
            root=PREFIX,
            day=day,
            when=when,
            num=lambda value: number(value, locale=locale),
            status_name=lambda status: status_label(status, gettext_for(locale)),
            channel_name=lambda channel: channel_label(channel, gettext_for(locale)),
            role_name=lambda role: role_label(role, gettext_for(locale)),
            is_coordinator=actor.role in (Role.COORDINATOR, Role.ADMIN),
            shown=LIST_SHOWN,
            file_link=self._file_link,
            **context,
        )
        return _secured(web.Response(status=status, text=body, content_type="text/html"))

    def _file_link(self, name: str | None) -> str | None:
        """A signed link to an evidence file, when /files/ is published."""
        if not name or self._config.files_url is None:
            return None
        links = FileLinks.of(self._config.data_dir, base_url=self._config.files_url)
        return links.url(name, now=self._clock())

    def _filters(self, request: web.Request) -> Filters:
        today = self._clock().astimezone(self._config.tz).date()
        period = period_from_key(request.query.get("period", ""), today=today)
        plan = request.query.get("plan", "")
        plan_id = int(plan) if plan.isascii() and plan.isdigit() and len(plan) <= 9 else None
        return Filters(period=period, plan_id=plan_id)

    def _filter_context(self, filters: Filters, actor: Actor, plans: Any) -> dict[str, Any]:
        _ = gettext_for(actor.locale)
        today = self._clock().astimezone(self._config.tz).date()
        return {
            "filters": filters,
            "period_key": period_key(filters.period),
            "period_name": filters.period.render(_),
            "periods": [(period_key(p), p.render(_)) for p in period_choices(today)],
            "plans": plans,
            "query": _query(filters),
        }

    # ---- pages -------------------------------------------------------------------------

    async def _overview(self, request: web.Request, actor: Actor, token: str) -> web.Response:
        filters = self._filters(request)
        async with self._sessions() as session:
            data = await overview(
                session,
                actor=actor,
                filters=filters,
                now=self._clock(),
                tz=self._config.tz,
                calendar=self._config.calendar,
            )
        _ = gettext_for(actor.locale)
        if request.query.get("format") == "xlsx":
            async with self._sessions() as session:
                body = await export.period_workbook(
                    session,
                    actor=actor,
                    period=filters.period,
                    plan_id=filters.plan_id,
                    now=self._clock(),
                    tz=self._config.tz,
                    locale=actor.locale,
                )
            return _workbook(body, name=f"dondoc-{period_key(filters.period)}.xlsx")
        buckets = [
            (
                bucket,
                _(BUCKET_NAMES[bucket]),
                data.statistics.statistics.overall.extended.count(bucket),
            )
            for bucket in Bucket
        ]
        verdicts = [
            (verdict, _(verdict.label), count, VERDICT_COLOURS[verdict])
            for verdict, count in data.indicators.items()
        ]
        return self._render(
            "overview.html",
            actor,
            token,
            {
                "data": data,
                "buckets": buckets,
                "bucket_chart": buckets_chart(buckets, _),
                "rate": rate_text(
                    data.statistics.statistics.overall.extended.on_time_rate, locale=actor.locale
                ),
                "rate_of": lambda tally: rate_text(tally.on_time_rate, locale=actor.locale),
                "chart": agencies_chart(data.agencies, _),
                "indicator_chart": indicators_chart(verdicts, _),
                "verdicts": verdicts,
                "indicator_total": sum(count for _v, _l, count, _c in verdicts),
                **self._filter_context(filters, actor, data.plans),
            },
        )

    async def _agency(
        self, request: web.Request, actor: Actor, token: str, *, ident: int
    ) -> web.Response:
        agency_id = ident
        filters = self._filters(request)
        async with self._sessions() as session:
            data = await pages.agency_page(
                session,
                actor=actor,
                agency_id=agency_id,
                filters=filters,
                now=self._clock(),
                tz=self._config.tz,
                calendar=self._config.calendar,
            )
            plans = await plan_choices(session)
            if request.query.get("format") == "xlsx":
                cooperating = await cooperating_names(
                    session, task_ids={i.task_id for i in data.items}
                )
                return _workbook(
                    export.items_workbook(
                        data.items,
                        title=data.agency.code,
                        cooperating=cooperating,
                        locale=actor.locale,
                        tz=self._config.tz,
                    ),
                    name=f"dondoc-{data.agency.code}.xlsx",
                )
        return self._render(
            "agency.html",
            actor,
            token,
            {"data": data, **self._filter_context(filters, actor, plans)},
        )

    async def _plan(
        self, request: web.Request, actor: Actor, token: str, *, ident: int
    ) -> web.Response:
        plan_id = ident
        wanted = request.query.get("period", "")
        period = self._filters(request).period if wanted else None
        async with self._sessions() as session:
            data = await pages.plan_page(
                session,
                actor=actor,
                plan_id=plan_id,
                period=period,
                now=self._clock(),
                tz=self._config.tz,
            )
            if request.query.get("format") == "xlsx":
                cooperating = await cooperating_names(
                    session, task_ids={i.task_id for i in data.items}
                )
                return _workbook(
                    export.items_workbook(
                        data.items,
                        title=data.label.replace("/", "-"),
                        cooperating=cooperating,
                        locale=actor.locale,
                        tz=self._config.tz,
                    ),
                    name=f"dondoc-plan-{plan_id}{'-' + period_key(period) if period else ''}.xlsx",
                )
        _ = gettext_for(actor.locale)
        today = self._clock().astimezone(self._config.tz).date()
        return self._render(
            "plan.html",
            actor,
            token,
            {
                "data": data,
                "period_key": period_key(period) if period else "",
                "periods": [(period_key(p), p.render(_)) for p in period_choices(today)],
                "query": f"period={period_key(period)}" if period else "",
            },
        )

    async def _task(
        self, request: web.Request, actor: Actor, token: str, *, ident: int
    ) -> web.Response:
        assignment_id = ident
        async with self._sessions() as session:
            data = await pages.task_page(
                session,
                actor=actor,
                assignment_id=assignment_id,
                now=self._clock(),
                tz=self._config.tz,
            )
        return self._render("task.html", actor, token, {"data": data})

    async def _pending(self, request: web.Request, actor: Actor, token: str) -> web.Response:
        filters = self._filters(request)
        async with self._sessions() as session:
            data = await requests.pending_page(
                session, actor=actor, filters=filters, now=self._clock(), tz=self._config.tz
            )
            plans = await plan_choices(session)
            if request.query.get("format") == "xlsx":
                cooperating = await cooperating_names(
                    session, task_ids={i.task_id for i in data.extended}
                )
                return _workbook(
                    export.items_workbook(
                        data.extended,
                        title=gettext_for(actor.locale)("Gia hạn"),
                        cooperating=cooperating,
                        locale=actor.locale,
                        tz=self._config.tz,
                    ),
                    name="dondoc-extensions.xlsx",
                )
        return self._render(
            "pending.html",
            actor,
            token,
            {"data": data, **self._filter_context(filters, actor, plans)},
        )


def _query(filters: Filters) -> str:
    """The filters as a query string, to carry them from page to page."""
    values = {"period": period_key(filters.period)}
    if filters.plan_id is not None:
        values["plan"] = str(filters.plan_id)
    return urlencode(values)


def _workbook(body: bytes, *, name: str) -> web.Response:
    response = web.Response(body=body, content_type=XLSX)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _secured(response: web.Response) -> web.Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def _both(message: str) -> str:
    return "\n\n".join(gettext_for(locale)(message) for locale in LOCALES)


def serve_dashboard(
    http: HttpServer, *, sessions: Sessions, config: DashboardConfig, clock: Clock
) -> Dashboard:
    """Serve the dashboard under /dashboard/ (and /dashboard itself, redirected there). The
    links' key is read (or made) now, so a bad key file stops the start."""
    config.links.key()
    dashboard = Dashboard(sessions=sessions, config=config, clock=clock)

    async def to_root(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(PREFIX)

    http.add_route("GET", "/dashboard", to_root)
    http.add_prefix("GET", PREFIX, dashboard.get)
    http.add_prefix("POST", PREFIX, dashboard.post)
    return dashboard
