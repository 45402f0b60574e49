"""Small reports written for a test: only what the test is about, the rest by default."""

CORPUS_PATH = "seed/corpus/tendances-2021.md"


def article(number, title, expert=None, body=("Un paragraphe du corps de l'article.",), link=None):
    """Markdown of one trend article; ``expert`` is ``(name, role, organization)`` or None."""
    lines = [f"## #{number} {title}", ""]
    if expert:
        name, role, organization = expert
        lines += [f"**{name}**  ", f"**{role}**  ", f"**{organization}**", ""]
        lines += [f"<{link or 'https://twitter.com/' + name.replace(' ', '')}>", ""]
    for paragraph in body:
        lines += [paragraph, ""]
    return "\n".join(lines)


def make_report(articles=None, avec=None, cloud="Test", year=2021):
    """Markdown of a whole report: title page, cloud, "avec..." list, articles.

    :param articles: ``(number, title, expert)`` triples, or raw article Markdown strings
    :param avec: ``(name, title)`` pairs; default: one per article that has an expert
    """
    articles = articles if articles is not None else [(1, "Un test de titre", ("Marie Test", "Directrice", "ACME"))]
    parts = [f"# Un rapport de test\n\n**Tendances {year}**\n", f"# Nous allons parler de...\n\n{cloud}\n"]
    if avec is None:
        avec = [(a[2][0], a[1]) for a in articles if not isinstance(a, str) and a[2]]
    parts.append("# avec...\n\n" + "\n".join(f"- {name} :** {title}" for name, title in avec) + "\n")
    parts.append("# A propos de Testeur\n\nUne entreprise.\n")
    for a in articles:
        parts.append(a if isinstance(a, str) else article(*a))
    return "\n\n".join(parts)
