"""The database module: URLs, engines, JSON fields."""

import pytest

from api.db import db, is_postgres, make_database
from api.models import Trend
from tests.conftest import POSTGRES_URL


def test_suite_runs_on_the_engine_database_url_names(app):
    with app.app_context():
        assert is_postgres() == (POSTGRES_URL is not None)


@pytest.mark.parametrize("url", ["mysql://x@y/z", "sqlite:/relative", "http://example.com"])
def test_unsupported_database_urls_are_refused(url):
    with pytest.raises(ValueError, match="DATABASE_URL"):
        make_database(url)


def test_json_fields_round_trip_unicode(app):
    with app.app_context():
        trend = Trend.get(Trend.number == 5)
        assert trend.footnotes[1]["urls"] == ["https://www.marconomy.de"]
        raw = db.execute_sql("SELECT footnotes FROM trend WHERE number = 5").fetchone()[0]
        assert "« TikTok" in raw  # stored readable, not \\u-escaped
