"""The flask commands, invoked as a user would."""

import os
import subprocess
import sys
from pathlib import Path

from api.config import ROOT
from api.db import migration_runner
from api.models import Trend
from seed.cli import seed
from tests.factories import make_report


def test_db_upgrade_applies_once_then_does_nothing(new_database_url):
    from api import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": new_database_url()})
    runner = app.test_cli_runner()
    with app.app_context():
        names = [m.name for m in migration_runner().migrations()]
    assert names[:3] == ["0001_initial", "0002_trend_terms", "0003_search"]
    first = runner.invoke(args=["db", "upgrade"])
    assert first.exit_code == 0 and first.output == f"Applied {', '.join(names)}.\n"
    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0 and "nothing to apply" in again.output
    with app.app_context():
        assert [m.name for m in migration_runner().status() if m.applied] == names
    assert "0001_initial: applied" in runner.invoke(args=["db", "status"]).output


def test_seed_prints_a_summary_then_nothing_changed(runner, empty_app):
    first = runner.invoke(seed)
    assert first.exit_code == 0, first.output
    assert "38 trends, 35 experts, 315 keywords (41 of the cloud, 315 concepts in thesaurus.toml)" in first.output
    assert "anomaly: line 1377: Damien Douani and David Dubois share" in first.output
    assert "Loaded: " in first.output and "38 Trend inserted" in first.output
    assert "33 repairs of the export's damage made: 1 continued-item, 1 continued-paragraph, 1 list, " in first.output
    assert "anomaly: line 1020: glued-word: 'deTiktok.' -> 'de Tiktok.'" in first.output
    second = runner.invoke(seed)
    assert second.exit_code == 0
    assert "Nothing changed" in second.output


def test_seed_without_repair_loads_the_text_as_exported_and_a_seed_repairs_it_again(runner, empty_app):
    repaired = runner.invoke(seed).output.splitlines()[-1]
    exported = runner.invoke(seed, ["--no-repair"])
    assert exported.exit_code == 0, exported.output
    assert "33 repairs of the export's damage that would be made (--no-repair): 1 continued-item" in exported.output
    assert "'deTiktok.' -> 'de Tiktok.' (not made: --no-repair)" in exported.output

    def text_of(number):
        with empty_app.app_context():
            return Trend.get(Trend.number == number).plain_text

    assert "deTiktok" in text_of(25)
    again = runner.invoke(seed).output.splitlines()[-1]
    assert "de Tiktok" in text_of(25) and "deTiktok" not in text_of(25)
    assert again.split("Data version")[1] == repaired.split("Data version")[1]  # what it was: nothing lost


def test_seed_of_a_broken_file_names_the_line_and_changes_nothing(runner, empty_app, tmp_path):
    runner.invoke(seed)
    broken = tmp_path / "broken.md"
    broken.write_text(make_report().replace("## #1", "## #1 Titre\n\n## #1"), encoding="utf-8")
    result = runner.invoke(seed, [str(broken)])
    assert result.exit_code == 1
    assert "line " in result.output and "used twice" in result.output
    assert "Traceback" not in result.output
    with empty_app.app_context():
        assert Trend.select().count() == 38


def test_seed_of_a_missing_file_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(seed, [str(tmp_path / "nope.md")])
    assert result.exit_code == 1
    assert "nope.md" in result.output and "Traceback" not in result.output


def test_db_upgrade_creates_a_missing_sqlite_file(tmp_path):
    from api import create_app

    path = tmp_path / "new" / "folder" / "tendances.db"
    runner = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}"}).test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert path.exists() and result.output.startswith("Applied 0001_initial")


def test_commands_run_beside_a_server_metrics_folder_not_made_yet(tmp_path):
    """The Docker image sets PROMETHEUS_MULTIPROC_DIR for the server; `flask` commands run with it too."""
    env = {
        **os.environ,
        "FLASK_APP": "api",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics" / "not-yet"),
    }
    flask = str(Path(sys.executable).parent / "flask")
    result = subprocess.run([flask, "db", "upgrade"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("Applied 0001_initial"), result.stderr[-2000:]


def test_seed_with_a_broken_thesaurus_names_its_line_and_changes_nothing(runner, empty_app, tmp_path, monkeypatch):
    broken = tmp_path / "thesaurus.toml"
    broken.write_text('[[concept]]\nslug = "x"\nkind = "topic"\nfr = "le"\nen = "the x"\n', encoding="utf-8")
    monkeypatch.setattr("seed.cli.THESAURUS", broken)
    result = runner.invoke(seed)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{broken}: line 1: x: the label 'le' (fr) has no word the analyser keeps" in result.output
    with empty_app.app_context():
        assert Trend.select().count() == 0
