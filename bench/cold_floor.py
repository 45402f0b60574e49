"""The cold floor: the benchmark's answers built from the database by hand, as fast as plain Python goes.

For each path the cold benchmark asks (a trends page, a trend, two keywords with `match=all`, an
expert), it runs hand-written SQL (sqlite3, or psycopg for a PostgreSQL ``DATABASE_URL``) on connections
handled as the service handles its own (an SQLite file opened per request, Flask's tutorial way;
PostgreSQL connections kept), and writes the JSON with ``json.dumps``: the very bytes the service answers
(bench/run.py checks that they are equal), with no ORM, no schemas, no kept answers.
Run by the service's own server and settings: ``python -m api.server bench.cold_floor:app``.
"""

import json
import os
import threading
from urllib.parse import parse_qs, urlencode

from flask import Flask, Response, request

app = Flask(__name__)
URL = os.environ["DATABASE_URL"]
PUBLIC = os.environ["PUBLIC_URL"]  # what the service's URLs start with (bench/run.py sets it for both)
POSTGRES = URL.startswith(("postgres://", "postgresql://"))
_local = threading.local()


def connection():
    if getattr(_local, "connection", None) is None:
        if POSTGRES:
            import psycopg

            _local.connection = psycopg.connect(URL, autocommit=True)
        else:
            import sqlite3

            _local.connection = sqlite3.connect(URL.removeprefix("sqlite:///"), check_same_thread=False)
    return _local.connection


@app.teardown_request
def close(exc):
    """As the service does: an SQLite file is opened per request; PostgreSQL connections are
    kept (the service's are pooled)."""
    if not POSTGRES and getattr(_local, "connection", None) is not None:
        _local.connection.close()
        _local.connection = None


def rows(sql, params=()):
    return connection().execute(sql if POSTGRES else sql.replace("%s", "?"), params).fetchall()


def dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def placeholders(values):
    return ", ".join(["%s"] * len(values))


def edition(year=None):
    if year is None:
        return rows("SELECT id, year, title FROM edition ORDER BY year DESC LIMIT 1")[0]
    return rows("SELECT id, year, title FROM edition WHERE year = %s", (year,))[0]


def keyword_links(trend_id):
    """Every keyword a trend names, those it is about first, then strongest first, with its link."""
    sql = (
        "SELECT k.slug, k.term, tk.weight, tk.location, tk.evidence, tk.grade FROM trend_keyword tk "
        "JOIN keyword k ON k.id = tk.keyword_id WHERE tk.trend_id = %s "
        "ORDER BY CASE tk.grade WHEN 'about' THEN 0 ELSE 1 END, tk.weight DESC, k.sort_term"
    )
    return [
        {
            "slug": slug,
            "term": term,
            "url": f"{PUBLIC}/v1/keywords/{slug}",
            "weight": weight,
            "location": location,
            "evidence": evidence,
            "grade": grade,
        }
        for slug, term, weight, location, evidence, grade in rows(sql, (trend_id,))
    ]


SUMMARY = (
    "t.id, t.number, t.slug, t.title, t.subtitle, t.excerpt, t.word_count, t.reading_time_minutes, ex.slug, ex.name, "
    "e.year, e.title, t.about_keywords "
    "FROM trend t JOIN edition e ON e.id = t.edition_id LEFT JOIN expert ex ON ex.id = t.expert_id"
)


def summary(row, keywords=None):
    """A trend as lists show it: with the keywords it is about, as the seed keeps them with it."""
    trend_id, number, slug, title, subtitle, excerpt, words, minutes, expert_slug, expert_name, year, edition_title, about = row
    if keywords is None:
        keywords = [{"slug": key, "term": term, "url": f"{PUBLIC}/v1/keywords/{key}"} for _, key, term in json.loads(about)]
    expert = {"slug": expert_slug, "name": expert_name, "url": f"{PUBLIC}/v1/experts/{expert_slug}"} if expert_slug else None
    return {
        "id": trend_id,
        "number": number,
        "slug": slug,
        "title": title,
        "subtitle": subtitle,
        "excerpt": excerpt,
        "word_count": words,
        "reading_time_minutes": minutes,
        "edition": {"year": year, "title": edition_title, "url": f"{PUBLIC}/v1/editions/{year}"},
        "expert": expert,
        "keywords": keywords,
        "url": f"{PUBLIC}/v1/trends/{slug}?{urlencode({'edition': year})}",
    }


def summaries(ids):
    by_id = {row[0]: row for row in rows(f"SELECT {SUMMARY} WHERE t.id IN ({placeholders(ids)})", tuple(ids))} if ids else {}
    return [summary(by_id[trend_id]) for trend_id in ids]


def trends_page(args):
    """/v1/trends, with ``keyword`` slugs and ``match=all`` when given: the first page of 20."""
    edition_id = edition()[0]
    slugs = args.get("keyword", [])
    where, params = "edition_id = %s", [edition_id]
    if slugs:
        where += (
            " AND id IN (SELECT tk.trend_id FROM trend_keyword tk JOIN keyword k ON k.id = tk.keyword_id "
            f"WHERE k.slug IN ({placeholders(slugs)}) GROUP BY tk.trend_id HAVING COUNT(DISTINCT tk.keyword_id) = %s)"
        )
        params += [*slugs, len(slugs)]
    total = rows(f"SELECT COUNT(*) FROM trend WHERE {where}", tuple(params))[0][0]
    ids = [row[0] for row in rows(f"SELECT id FROM trend WHERE {where} ORDER BY number LIMIT 20", tuple(params))]
    pages = -(-total // 20)
    pagination = {"total": total, "total_pages": pages, "page": 1, "page_size": 20, "first": 1 if pages else None}
    pagination |= {"prev": None, "next": 2 if pages > 1 else None, "last": pages or None}
    query = [(name, value) for name, values in args.items() for value in values]
    links = [f'<{PUBLIC}/v1/trends?{urlencode([*query, ("page", page)])}>; rel="{rel}"' for rel, page in link_pages(pages)]
    headers = {"X-Pagination": json.dumps(pagination), "Link": ", ".join(links)}
    return dumps(summaries(ids)), headers


def link_pages(pages):
    yield "first", 1
    if pages > 1:
        yield "next", 2
    yield "last", pages


def trend(number):
    year = edition()[1]
    (row,) = rows(
        f"SELECT {SUMMARY.replace('FROM', ', t.plain_text, t.footnotes, t.links, t.image_credit FROM', 1)} "
        "WHERE e.year = %s AND t.number = %s",
        (year, number),
    )
    answer = summary(row[:13], keyword_links(row[0]))
    sections = rows("SELECT heading, heading_html, level, blocks FROM section WHERE trend_id = %s ORDER BY position", (row[0],))
    answer["sections"] = [
        {
            "heading": heading,
            "heading_html": heading_html,
            "level": level,
            "blocks": [{key: block[key] for key in ("kind", "number", "text", "html")} for block in json.loads(blocks)],
        }
        for heading, heading_html, level, blocks in sections
    ]
    answer["plain_text"] = row[13]
    answer["footnotes"] = [{key: note[key] for key in ("number", "text", "html", "urls")} for note in json.loads(row[14])]
    answer["links"] = [{key: link[key] for key in ("text", "url")} for link in json.loads(row[15])]
    answer["image_credit"] = row[16]
    answer["related_url"] = f"{PUBLIC}/v1/trends/{answer['slug']}/related?{urlencode({'edition': year})}"
    return dumps(answer), {}


def expert(slug):
    (row,) = rows(
        "SELECT id, slug, name, name_original, roles, organization, trend_count, bio, bio_html FROM expert WHERE slug = %s",
        (slug,),
    )
    expert_id = row[0]
    links = rows("SELECT kind, url FROM expert_link WHERE expert_id = %s ORDER BY position", (expert_id,))
    ids = [
        trend_id
        for (trend_id,) in rows(
            "SELECT t.id FROM trend t JOIN edition e ON e.id = t.edition_id WHERE t.expert_id = %s "
            "ORDER BY e.year DESC, t.number LIMIT 100",
            (expert_id,),
        )
    ]
    answer = {
        "slug": row[1],
        "name": row[2],
        "url": f"{PUBLIC}/v1/experts/{row[1]}",
        "id": expert_id,
        "name_original": row[3],
        "roles": json.loads(row[4]),
        "organization": row[5],
        "links": [{"kind": kind, "url": url} for kind, url in links],
        "trend_count": row[6],
        "bio": json.loads(row[7]),
        "bio_html": json.loads(row[8]),
        "trends": summaries(ids),
        "trends_url": f"{PUBLIC}/v1/trends?{urlencode({'expert': row[1]})}",
    }
    return dumps(answer), {}


@app.route("/v1/trends")
def trends_view():
    return answer(*trends_page(parse_qs(request.query_string.decode())))


@app.route("/v1/trends/<int:number>")
def trend_view(number):
    return answer(*trend(number))


@app.route("/v1/experts/<slug>")
def expert_view(slug):
    return answer(*expert(slug))


def answer(body, headers):
    return Response(body, content_type="application/json", headers=headers)
