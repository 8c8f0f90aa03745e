from datetime import date, time

import pytest

from bot.settings import ConfigError, load_settings


def test_defaults_need_no_configuration_and_use_sqlite() -> None:
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///dondoc.db"
    assert settings.is_sqlite
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.default_locale == "vi"
    assert settings.send_window == (time(8, 0), time(17, 0))
    assert settings.working_days == frozenset({0, 1, 2, 3, 4})
    assert settings.sweep_seconds == 60
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8080)
    assert settings.telegram_token is None


def test_values_come_from_dondoc_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/dondoc")
    monkeypatch.setenv("DONDOC_SEND_WINDOW", "07:30-16:30")
    monkeypatch.setenv("DONDOC_WORKING_DAYS", "Mon-Sat")
    monkeypatch.setenv("DONDOC_EXTRA_WORKING_DAYS", "2024-02-17, 2024-02-24")
    monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", "123:secret-token")
    settings = load_settings(_env_file=None)
    assert settings.database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/dondoc"
    assert not settings.is_sqlite
    assert settings.send_window == (time(7, 30), time(16, 30))
    assert settings.working_days == frozenset(range(6))
    assert settings.extra_working_days == (date(2024, 2, 17), date(2024, 2, 24))


def test_a_token_never_shows_in_the_settings_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", "123:very-secret")
    monkeypatch.setenv("DONDOC_ZALO_TOKEN", "zalo-very-secret")
    settings = load_settings(_env_file=None)
    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DONDOC_DATABASE_URL", "mysql://root@localhost/x"),
        ("DONDOC_TIMEZONE", "Asia/Hai_Phong"),
        ("DONDOC_DEFAULT_LOCALE", "fr"),
        ("DONDOC_SEND_WINDOW", "17:00-08:00"),
        ("DONDOC_SEND_WINDOW", "eight to five"),
        ("DONDOC_WORKING_DAYS", "Funday"),
        ("DONDOC_SWEEP_SECONDS", "0"),
        ("DONDOC_HTTP_PORT", "99999"),
        ("DONDOC_TELEGRAM_API_BASE", "ftp://example"),
        ("DONDOC_TELEGRAM_WEBHOOK_SECRET", "has spaces!"),
        ("DONDOC_EXTRA_DAYS_OFF", "2024-13-01"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        load_settings(_env_file=None)


def test_a_bad_secret_is_named_but_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_TELEGRAM_WEBHOOK_SECRET", "top secret value!")
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    assert "top secret" not in str(caught.value)


def test_webhook_mode_without_its_secret_is_refused_naming_both_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DONDOC_TELEGRAM_WEBHOOK_URL", "https://bot.example.gov.vn")
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    assert "DONDOC_TELEGRAM_WEBHOOK_SECRET" in str(caught.value)
    assert "DONDOC_TELEGRAM_WEBHOOK_URL" in str(caught.value)
