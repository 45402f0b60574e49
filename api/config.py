"""Settings, read from environment variables only, each with a default and a check.

The README's configuration table lists every setting here; a test keeps the two in step.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting has a value the service cannot run with; the message is one line."""


def integer(low, high):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise ConfigError(f"must be a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise ConfigError(f"must be between {low} and {high}, got {value}")
        return value

    return parse


def choice(*options):
    """One of ``options``, case aside, spelled as in ``options``."""

    def parse(text):
        for option in options:
            if option.lower() == text.lower():
                return option
        raise ConfigError(f"must be one of {', '.join(options)}, got {text!r}")

    return parse


def rate_limit(text):
    """``none``, or limits such as ``600/minute;10000/day`` (the limits library's syntax)."""
    if text.lower() == "none":
        return None
    from limits import parse_many

    try:
        parse_many(text)
    except ValueError:
        raise ConfigError(f"must be none or limits like 600/minute;10000/day, got {text!r}") from None
    return text


def storage_url(text):
    if not text.startswith(("memory://", "redis://", "rediss://", "redis+sentinel://")):
        raise ConfigError(f"must be memory:// or a redis:// URL, got {text!r}")
    return text


def database_url(text):
    if not text.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise ConfigError(f"must start with sqlite:/// or postgresql://, got {text!r}")
    return text


def public_url(text):
    """An http(s) URL with a host, maybe a path (a proxy's prefix), no query, fragment or user;
    empty for the default (:func:`local_url`)."""
    if not text:
        return ""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (a port that is not a number raises)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise ConfigError(f"must be an http(s) URL such as https://api.example.com, got {text!r}")
    return text.rstrip("/")


def local_url(host, port):
    """``http://HOST:PORT``, the default PUBLIC_URL (``localhost`` when HOST binds every address)."""
    host = "localhost" if host in ("", "0.0.0.0", "::") else host
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def origins(text):
    values = [origin.strip().rstrip("/") for origin in text.split(",") if origin.strip()]
    for origin in values:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ConfigError(f"must be * or a comma-separated list of http(s) origins, got {origin!r}")
    return values


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    parse: Callable[[str], Any]
    help: str


SETTINGS = [
    Setting(
        "DATABASE_URL",
        f"sqlite:///{ROOT / 'var' / 'tendances.db'}",
        database_url,
        "Database to serve: `sqlite:///path/to/file.db` or `postgresql://user:password@host:5432/db`.",
    ),
    Setting("HOST", "127.0.0.1", str, "Address the server binds (`0.0.0.0` in the Docker image)."),
    Setting("PORT", "8000", integer(1, 65535), "TCP port the server listens on (`make run`, Docker)."),
    Setting(
        "PUBLIC_URL",
        "",
        public_url,
        "Absolute URL clients reach the service at, e.g. `https://api.example.com` (a path is kept: "
        "`https://example.com/tendances`): `Link` and every `url` field start with it, never with the request's "
        "`Host`. Default: `http://HOST:PORT` (`localhost` when HOST is `0.0.0.0` or `::`).",
    ),
    Setting("WEB_CONCURRENCY", "2", integer(1, 64), "Worker processes (one per core is a good start)."),
    Setting(
        "THREADS",
        "8",
        integer(1, 256),
        "Threads per worker running the app; all but two (at least one) may wait on the database at once.",
    ),
    Setting(
        "HEADER_TIMEOUT",
        "10",
        integer(1, 60),
        "Seconds a client has to send a request's line and headers (and an idle keep-alive connection lives).",
    ),
    Setting(
        "MAX_CONNECTIONS",
        "512",
        integer(8, 65536),
        "Open connections each worker holds at most; more wait in the listen queue.",
    ),
    Setting(
        "DB_CONNECT_TIMEOUT",
        "2",
        integer(2, 60),
        "Seconds to open a PostgreSQL connection before the request gets a 503 (libpq's minimum is 2).",
    ),
    Setting(
        "DB_STATEMENT_TIMEOUT",
        "3",
        integer(1, 300),
        "Seconds a request's statement may run or wait for the database (a lock, a hung server) before a 503.",
    ),
    Setting(
        "DB_KEEPALIVE",
        "10",
        integer(1, 3600),
        "Seconds a PostgreSQL connection may be silent before TCP keepalive probes check the server (3, 2 s apart).",
    ),
    Setting(
        "CORS_ORIGINS",
        "*",
        origins,
        "Origins allowed to call the API from a browser: `*` or a comma-separated list.",
    ),
    Setting("CACHE_MAX_AGE", "300", integer(0, 31536000), "`Cache-Control: max-age` of GET answers, in seconds."),
    Setting(
        "DATA_VERSION_TTL",
        "1",
        integer(0, 3600),
        "Seconds a worker trusts the data version it read (ETags); a re-seed shows within this delay. Each worker also "
        "looks at the version this often (one second at least) to read search data again after a seed.",
    ),
    Setting(
        "RESPONSE_CACHE_MB",
        "64",
        integer(0, 65536),
        "Memory each worker may keep answers in, to serve them again without rebuilding (0: none).",
    ),
    Setting("LOG_LEVEL", "INFO", choice("DEBUG", "INFO", "WARNING", "ERROR"), "Lowest level of log lines written."),
    Setting(
        "RATE_LIMIT",
        "600/minute",
        rate_limit,
        "Requests a client without an API key (an IP address) may make, e.g. `600/minute;20000/day`; `none` turns "
        "their limiting off (a key has its own limit: `flask keys create`).",
    ),
    Setting(
        "RATE_LIMIT_STORAGE_URL",
        "memory://",
        storage_url,
        "Where rate-limit counters live: `memory://` (each worker counts alone) or `redis://host:6379` "
        "(shared by every worker and instance); API keys' usage is counted there too (in the database with `memory://`).",
    ),
    Setting(
        "RATE_LIMIT_STRATEGY",
        "fixed-window",
        choice("fixed-window", "moving-window", "sliding-window-counter"),
        "How requests are counted: `fixed-window`, `moving-window` or `sliding-window-counter`.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        "0",
        integer(0, 10),
        "Reverse proxies in front of the service whose `X-Forwarded-For` is trusted to name the client.",
    ),
    Setting(
        "MAX_URL_LENGTH",
        "32768",
        integer(256, 262144),
        "Longest path and query string accepted, as sent (414 beyond; headers may hold 16 KiB more, 431 beyond). "
        "The server reads no request head longer than both.",
    ),
    Setting("GZIP_MIN_SIZE", "1024", integer(0, 10485760), "Smallest response body, in bytes, sent gzip-compressed."),
]


def from_env(environ=None):
    """Every setting, parsed from ``environ`` (default ``os.environ``).

    :raises ConfigError: naming the first setting with a bad value
    """
    environ = os.environ if environ is None else environ
    values = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name, "").strip() or setting.default
        try:
            values[setting.name] = setting.parse(raw)
        except ConfigError as error:
            raise ConfigError(f"{setting.name} {error}") from None
    values["PUBLIC_URL"] = values["PUBLIC_URL"] or local_url(values["HOST"], values["PORT"])
    return values
