"""Settings from the environment: defaults, checks, and the README's table."""

import re

import pytest

from api.config import SETTINGS, ConfigError, from_env


def test_defaults_need_no_environment():
    values = from_env({})
    assert values["DATABASE_URL"].startswith("sqlite:///") and values["DATABASE_URL"].endswith("var/tendances.db")
    assert (values["PORT"], values["CORS_ORIGINS"]) == (8000, ["*"])


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("PORT", "eighty", "PORT must be a whole number, got 'eighty'"),
        ("PORT", "70000", "PORT must be between 1 and 65535, got 70000"),
        ("DATABASE_URL", "mysql://db", "DATABASE_URL must start with sqlite:/// or postgresql://"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR"),
        ("CORS_ORIGINS", "example.com", "CORS_ORIGINS must be * or a comma-separated list"),
        ("PUBLIC_URL", "api.example.com", "PUBLIC_URL must be an http(s) URL"),
        ("PUBLIC_URL", "ftp://api.example.com", "PUBLIC_URL must be an http(s) URL"),
        ("PUBLIC_URL", "https://api.example.com/?a=1", "PUBLIC_URL must be an http(s) URL"),
        ("PUBLIC_URL", "https://user@api.example.com", "PUBLIC_URL must be an http(s) URL"),
        ("PUBLIC_URL", "https://api.example.com:port", "PUBLIC_URL must be an http(s) URL"),
    ],
)
def test_a_bad_value_is_one_clear_line(name, value, message):
    with pytest.raises(ConfigError) as error:
        from_env({name: value})
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    "environ, url",
    [
        ({}, "http://127.0.0.1:8000"),
        ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://localhost:9000"),  # Docker: every address, reached as localhost
        ({"HOST": "::1"}, "http://[::1]:8000"),
        ({"PUBLIC_URL": "https://api.example.com/tendances/", "PORT": "9000"}, "https://api.example.com/tendances"),
    ],
)
def test_public_url_defaults_to_host_and_port(environ, url):
    assert from_env(environ)["PUBLIC_URL"] == url


def test_readme_lists_every_setting_with_its_default():
    readme = open("README.md", encoding="utf-8").read()
    for setting in SETTINGS:
        row = re.search(rf"^\| `{setting.name}` \| (.*?) \|", readme, re.M)
        assert row, f"{setting.name} is missing from the README's configuration table"
        if setting.name == "PUBLIC_URL":  # derived from HOST and PORT
            assert row.group(1) == "`http://HOST:PORT`"
        elif setting.name != "DATABASE_URL":
            assert f"`{setting.default}`" in row.group(1)
