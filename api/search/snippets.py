"""Snippets: the passages of a text that match a query, with the matches marked.

The text is analysed with the same French analyser as the index, so a word is marked exactly
when its analysed term answers the query; offsets are character offsets into the source text.
"""

import html

from ..analysis import analyze

WIDTH = 180  # characters of context per snippet, about
MAX_SNIPPETS = 2


def _word_start(text, position):
    """``position`` moved back to the start of the word it falls in."""
    while position > 0 and not text[position - 1].isspace():
        position -= 1
    return position


def _word_end(text, position):
    while position < len(text) and not text[position].isspace():
        position += 1
    return position


def snippets(text, query, field, limit=MAX_SNIPPETS):
    """Up to ``limit`` snippets of ``text`` around the words that answer ``query``.

    :returns: dicts with ``field``, ``start``/``end`` (the slice of the source text shown),
        ``text`` (that slice), ``html`` (it, escaped, matches in ``<mark>``, "…" where cut)
        and ``matches`` (``start``/``end`` of each marked word in the source text)
    """
    hits = [token for token in analyze(text or "") if query.highlights(token.term)]
    windows = []
    for hit in hits:
        if windows and hit.end <= windows[-1][1]:
            continue
        start = _word_start(text, max(0, hit.start - WIDTH // 3))
        end = _word_end(text, min(len(text), start + WIDTH))
        windows.append((start, max(end, hit.end)))

    # The windows holding the most distinct matched terms first, then in text order.
    def richness(window):
        terms = {h.term for h in hits if window[0] <= h.start and h.end <= window[1]}
        return (-len(terms), window[0])

    chosen = sorted(sorted(windows, key=richness)[:limit])
    return [_snippet(text, start, end, [h for h in hits if start <= h.start and h.end <= end], field) for start, end in chosen]


def _snippet(text, start, end, hits, field):
    parts, cursor, marked_hits = [], start, []
    for hit in hits:
        if hit.start < cursor:  # two terms of one source word ("½"): marked once
            continue
        marked_hits.append(hit)
        parts.append(html.escape(text[cursor : hit.start], quote=False))
        parts.append(f"<mark>{html.escape(text[hit.start : hit.end], quote=False)}</mark>")
        cursor = hit.end
    parts.append(html.escape(text[cursor:end], quote=False))
    marked = "".join(parts).strip()
    return {
        "field": field,
        "start": start,
        "end": end,
        "text": text[start:end],
        "html": ("…" if start > 0 else "") + marked + ("…" if end < len(text) else ""),
        "matches": [{"start": h.start, "end": h.end} for h in marked_hits],
    }
