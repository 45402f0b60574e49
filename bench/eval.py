"""make eval: how well search and keyword lookups answer a partner, against a set judged by hand.

The judged set is bench/judged.toml, written from reading the report before any query ran:
queries (French, English, phrases) with the trends that are about them (2) or mention them (1),
and keyword lookups with their ``about`` and ``mention`` trends. This script seeds a fresh SQLite
file through the normal commands, then asks the service in process (no kept answers):

- each query, as ``/v1/search?type=trend`` (a phrase in quotes), scored by P@5, R@10 and nDCG@10
  (gain 2^grade - 1) per group, beside a stock engine on the same texts: SQLite FTS5 with
  ``porter unicode61 remove_diacritics 2``, every word required (a phrase as a phrase), bm25;
- each lookup, as ``/v1/trends?keyword=...&page_size=100``: resolved (an answer with trends), the
  recall of its ``about`` trends, and the precision of what came back (about or mention).

Nothing here is timed: quality only. Run: ``make eval``.
"""

import math
import os
import sqlite3
import sys
import tempfile
import tomllib
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import prepare_database  # noqa: E402

JUDGED = ROOT / "bench" / "judged.toml"
GROUPS = ("fr", "en", "phrase")
TOP = 10


def load_judged(path=JUDGED):
    with open(path, "rb") as file:
        judged = tomllib.load(file)
    return judged["query"], judged["lookup"]


# Metrics of one ranking (trend numbers, best first) against grades ({number: 1 or 2}).


def precision_at(ranking, grades, k):
    return sum(1 for number in ranking[:k] if number in grades) / k


def recall_at(ranking, grades, k):
    return sum(1 for number in ranking[:k] if number in grades) / len(grades) if grades else 0.0


def ndcg_at(ranking, grades, k):
    def dcg(gains):
        return sum((2**gain - 1) / math.log2(position + 2) for position, gain in enumerate(gains))

    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    return dcg([grades.get(number, 0) for number in ranking[:k]]) / ideal if ideal else 0.0


def answer(client, path):
    """The service's answer: a 200, or a 422 (nothing to search, no such keyword); anything else stops the run."""
    response = client.get(path)
    if response.status_code not in (200, 422):
        raise SystemExit(f"{path}: {response.status_code} {response.get_data(as_text=True)[:300]}")
    return response


def search_text(query):
    """What a partner types: a phrase in quotes, other queries as they are."""
    return f'"{query["q"]}"' if query["group"] == "phrase" else query["q"]


def service_ranking(client, query):
    path = "/v1/search?" + urlencode({"q": search_text(query), "type": "trend", "page_size": TOP})
    response = answer(client, path)
    return [str(hit["number"]) for hit in response.get_json()["hits"]] if response.status_code == 200 else []


class Baseline:
    """SQLite FTS5 with the Porter stemmer over each trend's title, subtitle and text."""

    def __init__(self, trends):
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE trend USING fts5(number UNINDEXED, title, subtitle, body, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self.db.executemany("INSERT INTO trend VALUES (?, ?, ?, ?)", trends)

    def ranking(self, query):
        if query["group"] == "phrase":
            match = '"' + query["q"].replace('"', '""') + '"'
        else:
            match = " ".join('"' + word.replace('"', '""') + '"' for word in query["q"].split())
        rows = self.db.execute("SELECT number FROM trend WHERE trend MATCH ? ORDER BY rank LIMIT ?", (match, TOP))
        return [str(number) for (number,) in rows]


def lookup_scores(client, lookup):
    path = "/v1/trends?" + urlencode({"keyword": lookup["keyword"], "page_size": 100})
    response = answer(client, path)
    found = {str(trend["number"]) for trend in response.get_json()} if response.status_code == 200 else set()
    about, relevant = set(lookup["about"]), set(lookup["about"]) | set(lookup.get("mention", []))
    return {
        "resolved": bool(found),
        "about_recall": len(found & about) / len(about),
        "precision": len(found & relevant) / len(found) if found else 0.0,
    }


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def scores(ranking, grades):
    return {
        "p5": precision_at(ranking, grades, 5),
        "r10": recall_at(ranking, grades, TOP),
        "ndcg10": ndcg_at(ranking, grades, TOP),
        "empty": not ranking,
    }


def evaluate(client, trends, queries, lookups):
    baseline = Baseline(trends)
    rows = []
    for query in queries:
        grades = {number: int(grade) for number, grade in query["relevant"].items()}
        rows.append((query, scores(service_ranking(client, query), grades), scores(baseline.ranking(query), grades)))
    return rows, [(lookup, lookup_scores(client, lookup)) for lookup in lookups]


def report(rows, lookups):
    lines = ["Search (type=trend, top 10): service | FTS5 Porter baseline"]
    lines.append(f"{'group':8} {'n':>3}  {'P@5':>11}  {'R@10':>11}  {'nDCG@10':>11}  {'no hit':>7}")
    for group in (*GROUPS, "all"):
        chosen = [row for row in rows if group in ("all", row[0]["group"])]

        def pair(metric, rows=chosen):
            return f"{mean(s[metric] for _, s, _ in rows):.2f} | {mean(b[metric] for _, _, b in rows):.2f}"

        empty = f"{sum(s['empty'] for _, s, _ in chosen)} | {sum(b['empty'] for _, _, b in chosen)}"
        lines.append(f"{group:8} {len(chosen):>3}  {pair('p5'):>11}  {pair('r10'):>11}  {pair('ndcg10'):>11}  {empty:>7}")
    resolved = sum(s["resolved"] for _, s in lookups)
    lines.append("")
    lines.append(
        f"Keyword lookups: {resolved}/{len(lookups)} resolved; about-recall {mean(s['about_recall'] for _, s in lookups):.2f}; "
        f"precision {mean(s['precision'] for _, s in lookups if s['resolved']):.2f} (over the resolved)"
    )
    unresolved = [lookup["keyword"] for lookup, s in lookups if not s["resolved"]]
    if unresolved:
        lines.append(f"Not resolved: {', '.join(unresolved)}")
    return "\n".join(lines)


def main():
    queries, lookups = load_judged()
    workdir = Path(tempfile.mkdtemp(prefix="tendances-eval-"))
    env = {**os.environ, "FLASK_APP": "api", "DATABASE_URL": ""}
    prepare_database(workdir, env)
    from api import create_app

    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "RESPONSE_CACHE_MB": 0, "RATE_LIMIT": None, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        from api.models import Trend

        trends = [(str(t.number), t.title, t.subtitle or "", t.plain_text) for t in Trend.select()]
    rows, scored_lookups = evaluate(app.test_client(), trends, queries, lookups)
    print(report(rows, scored_lookups))


if __name__ == "__main__":
    main()
