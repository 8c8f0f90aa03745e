"""Zalo settings: a bad webhook secret or URL stops start-up with the variable named."""

import pytest

from bot.settings import ConfigError, load_settings


def test_zalo_webhook_settings_are_read() -> None:
    settings = load_settings(
        zalo_token="1:abc",
        zalo_webhook_secret="s" * 8,
        zalo_webhook_url="https://bot.example.gov.vn/zalo/webhook",
    )
    assert settings.zalo_webhook_secret is not None
    assert settings.zalo_webhook_secret.get_secret_value() == "s" * 8
    assert settings.zalo_webhook_url == "https://bot.example.gov.vn/zalo/webhook"
    assert "abc" not in repr(settings)


@pytest.mark.parametrize("secret", ["short", "x" * 257])
def test_a_webhook_secret_zalo_would_refuse_is_a_config_error(secret: str) -> None:
    with pytest.raises(ConfigError, match="DONDOC_ZALO_WEBHOOK_SECRET: must be 8-256 characters"):
        load_settings(zalo_webhook_secret=secret)


def test_a_webhook_url_must_be_a_web_address() -> None:
    with pytest.raises(ConfigError, match="DONDOC_ZALO_WEBHOOK_URL"):
        load_settings(zalo_webhook_url="bot.example/zalo/webhook")


def test_an_empty_webhook_url_means_none() -> None:
    assert load_settings(zalo_webhook_url="").zalo_webhook_url is None
