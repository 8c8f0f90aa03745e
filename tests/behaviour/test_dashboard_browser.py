"""The dashboard in a real browser: Debian's chromium, driven by Selenium through chromedriver.

The server runs in the test's event loop; the browser is driven from a worker thread
(`_do`), so the server keeps answering while the browser waits. Every wait is on a
condition in the page, never a sleep. Without chromium and chromedriver these tests fail
with a message saying how to install them: they are never skipped. Run as root on a machine
with apt (a fresh machine, CI), the session installs them first.

Screenshots of the overview and a task page at phone and desktop widths are written to the
directory printed when they are first taken ($DASHBOARD_SCREENSHOTS, else a temporary
one); they
are for looking at, not committed.
"""

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from domain.access import Role
from services.dashboard.auth import LINK_LIFETIME
from services.unit_of_work import Sessions
from tests.builders import DashboardWorld, dashboard_world

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER_PATH", "/usr/bin/chromedriver"))
PHONE = (390, 2200)
DESKTOP = (1366, 1600)
# Generous: a loaded CI machine starts chromium slowly; waits end as soon as the page is ready.
WAIT_SECONDS = 60

T = TypeVar("T")


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest) -> Iterator[Path]:
    """Where the screenshots go, printed (and again at the end of the run)."""
    chosen = os.environ.get("DASHBOARD_SCREENSHOTS")
    folder = Path(chosen or tempfile.mkdtemp(prefix="dondoc-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    _say(request, f"dashboard screenshots: {folder}")
    yield folder
    _say(request, f"dashboard screenshots: {folder}")


def _say(request: pytest.FixtureRequest, line: str) -> None:
    """A line on the terminal, past pytest's capture."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is None or reporter is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("\n" + line)


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture(scope="session")
def browser_installed() -> None:
    """Debian's chromium and chromedriver, installed once when the tests run as root on a
    machine with apt and without them (a fresh machine), as the store tests start their own
    PostgreSQL: the README's one test command needs nothing else."""
    if all(p.exists() for p in (CHROMIUM, CHROMEDRIVER)):
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"],
    ):
        # A generous limit: the packages come from the network on a shared machine.
        subprocess.run(command, env=env, check=False, timeout=1800, capture_output=True)


@pytest.fixture
def browser(downloads: Path, browser_installed: None) -> Iterator[WebDriver]:
    """Headless chromium, or a failure that says what to install."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"the dashboard's browser tests need {' and '.join(missing)}: "
            "apt-get install -y chromium chromium-driver (or set CHROMIUM_PATH and "
            "CHROMEDRIVER_PATH)",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--lang=vi",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
async def city(sessions: Sessions, tmp_path: Path) -> AsyncIterator[DashboardWorld]:
    world = await dashboard_world(sessions, tmp_path / "data")
    try:
        yield world
    finally:
        await world.stop()


async def _do(work: Callable[..., T], *args: Any) -> T:
    """Drive the browser from a thread, so the server in this loop can answer it."""
    return await asyncio.to_thread(work, *args)


def _wait(driver: WebDriver, condition: Callable[[WebDriver], Any]) -> Any:
    # A page being replaced (a form posted, a redirect followed) leaves the elements just
    # found stale: the condition is asked again on the new page.
    return WebDriverWait(
        driver, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition)


def _text(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def _open(driver: WebDriver, url: str, expect: str) -> str:
    """Open a page and wait until it shows `expect`; its text."""
    driver.get(url)
    _wait(driver, lambda d: expect in _text(d))
    return _text(driver)


def _sign_in(driver: WebDriver, link: str, expect: str) -> str:
    """Open a sign-in link and press its button, as its owner does; the page it opens."""
    _open(driver, link, "Mở bảng theo dõi")
    return _click(driver, By.ID, "sign-in", expect)


def _click(driver: WebDriver, by: str, value: str, expect: str) -> str:
    driver.find_element(by, value).click()
    _wait(driver, lambda d: expect in _text(d))
    return _text(driver)


def _shoot(driver: WebDriver, folder: Path, name: str, size: tuple[int, int]) -> Path:
    driver.set_window_size(*size)
    # The page reflows at the new width before the picture is taken.
    _wait(driver, lambda d: d.execute_script("return window.innerWidth") <= size[0])
    path = folder / f"{name}-{size[0]}.png"
    driver.save_screenshot(str(path))
    return path


async def test_a_coordinator_signs_in_filters_opens_an_agency_and_a_task_exports_and_signs_out(
    city: DashboardWorld, browser: WebDriver, downloads: Path, screenshots: Path
) -> None:
    link = await city.link("coordinator")
    page = await _do(_sign_in, browser, link, "Tổng quan")
    assert "Trần Thị Bình" in page and "Việc quá hạn" in page
    assert "Sở Xây dựng" in page and "UBND quận Hồng Bàng" in page
    # The overview and, below, a task page, at a phone's and a desktop's width.
    for size in (PHONE, DESKTOP):
        await _do(_shoot, browser, screenshots, "overview", size)

    # Filter by plan: choosing it applies it (the page's script submits the form).
    def choose_plan() -> str:
        Select(browser.find_element(By.ID, "plan-filter")).select_by_visible_text("02/CT-UBND")
        _wait(browser, lambda d: "plan=" in d.current_url)
        return _text(browser)

    page = await _do(choose_plan)
    assert "UBND quận Hồng Bàng" in page and "Sở Xây dựng" not in page

    # Back to every plan, then an agency, then one of its tasks.
    await _do(_open, browser, f"{city.base}/", "Sở Xây dựng")
    page = await _do(_click, browser, By.LINK_TEXT, "Sở Thông tin và Truyền thông", "Cán bộ")
    assert "Nguyễn Văn An" in page and "Lập quy hoạch chung đô thị" in page
    # Its blocked task was extended into next year: it shows in that year's first quarter.
    assert "Xây dựng kho dữ liệu dùng chung" not in page

    def choose_period() -> str:
        Select(browser.find_element(By.ID, "period-filter")).select_by_visible_text("Quý I/2024")
        _wait(browser, lambda d: "period=2024-Q1" in d.current_url)
        return _text(browser)

    page = await _do(choose_period)
    assert "Xây dựng kho dữ liệu dùng chung" in page
    page = await _do(
        _click, browser, By.LINK_TEXT, "Xây dựng kho dữ liệu dùng chung", "Lịch sử cập nhật"
    )
    assert "chưa có kinh phí" in page and "31/03/2024" in page and "Telegram" in page
    for size in (PHONE, DESKTOP):
        await _do(_shoot, browser, screenshots, "task", size)
    # Its plan, by the link above the title: tasks by section.
    page = await _do(_click, browser, By.LINK_TEXT, "40/KH-UBND", "Tiến độ chung")
    assert "Lập quy hoạch chung đô thị" in page
    await _do(_shoot, browser, screenshots, "plan", DESKTOP)
    await _do(browser.back)

    # Export the agency's list.
    await _do(browser.back)
    await _do(_wait, browser, lambda d: "Cán bộ" in _text(d))
    await _do(browser.find_element(By.PARTIAL_LINK_TEXT, ".xlsx").click)
    await _do(
        _wait,
        browser,
        lambda _d: any(p.suffix == ".xlsx" for p in downloads.iterdir()),
    )

    # Sign out: the session is over, the pages are closed again.
    page = await _do(_click, browser, By.ID, "signout", "gửi /dashboard")
    page = await _do(_open, browser, f"{city.base}/", "gửi /dashboard")
    assert "Trần Thị Bình" not in page


async def test_an_officer_gets_no_link_and_the_dashboard_stays_closed(
    city: DashboardWorld, browser: WebDriver
) -> None:
    answer = await city.world.say(city.chats["officer"], "/dashboard")
    assert "dành cho điều phối viên và lãnh đạo" in answer and "http" not in answer
    page = await _do(_open, browser, f"{city.base}/", "gửi /dashboard")
    assert "Việc quá hạn" not in page


async def test_a_used_or_expired_link_is_refused(city: DashboardWorld, browser: WebDriver) -> None:
    used = await city.link("leader")
    await _do(_sign_in, browser, used, "Tổng quan")
    await _do(browser.delete_all_cookies)
    page = await _do(_open, browser, used, "đã được dùng")
    assert "Tổng quan" not in page
    expired = await city.link("leader")
    city.world.later(seconds=LINK_LIFETIME.total_seconds() + 60)
    page = await _do(_open, browser, expired, "đã hết hạn")
    assert "Việc quá hạn" not in page


async def test_a_revoked_coordinators_session_ends(
    city: DashboardWorld, browser: WebDriver
) -> None:
    await _do(_sign_in, browser, await city.link("coordinator"), "Tổng quan")
    # Only an admin revokes a coordinator (issue 18).
    other = await city.world.person("Phạm Văn Dũng", role=Role.ADMIN, agency=None)
    await city.world.send(f"chat-{other}", f"/revoke {city.people['coordinator']}")
    page = await _do(_open, browser, f"{city.base}/", "gửi /dashboard")
    assert "Trần Thị Bình" not in page


async def test_a_leader_who_chose_english_reads_the_dashboard_in_english(
    city: DashboardWorld, browser: WebDriver, screenshots: Path
) -> None:
    await city.world.send(city.chats["leader"], "/lang en")
    page = await _do(_sign_in, browser, await city.link("leader"), "Overview")
    assert "Overdue tasks" in page and "Sign out" in page
    assert "Tổng quan" not in page
    await _do(_shoot, browser, screenshots, "overview-en", DESKTOP)
