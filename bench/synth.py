"""Synthetic reports k times the real one, with its structure and its own French.

The title page, the keyword cloud, the "avec..." list, the publisher's page, then 38*k numbered
articles by 35*k experts. Titles and paragraphs are drawn from a word-pair (bigram) chain
learnt on the real report, so the words, their frequencies and their neighbours are the
report's; each title ends with its number to stay unique. Keywords are phrases of the titles,
as in the real cloud. Deterministic for a given k.

    python bench/synth.py 10 > /tmp/tendances-10x.md
"""

import random
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.analysis import STOPWORDS, fold  # noqa: E402
from seed.parser import read_corpus  # noqa: E402

WORD = re.compile(r"[^\W\d_][\w'’-]*|\d+", re.UNICODE)


class Chain:
    """A bigram chain over the report's words."""

    def __init__(self, texts, rng):
        self.rng = rng
        self.next = defaultdict(list)
        self.starts = []
        for text in texts:
            words = WORD.findall(text)
            if len(words) > 3:
                self.starts.append(words[0])
            for a, b in zip(words, words[1:], strict=False):
                self.next[a].append(b)

    def sentence(self, low, high):
        word = self.rng.choice(self.starts)
        words = [word]
        for _ in range(self.rng.randint(low, high) - 1):
            followers = self.next.get(word)
            word = self.rng.choice(followers) if followers else self.rng.choice(self.starts)
            words.append(word)
        text = " ".join(words)
        return text[0].upper() + text[1:]


def generate(k, seed=2021):
    rng = random.Random(seed * 1000 + k)
    real = read_corpus(ROOT / "seed" / "corpus" / "tendances-2021.md")
    paragraphs = [b.text for t in real.trends for s in t.sections for b in s.blocks]
    chain = Chain(paragraphs + [t.title for t in real.trends], rng)
    first_names = sorted({e.name.split()[0] for e in real.experts})
    last_names = sorted({e.name.split(" ", 1)[1] for e in real.experts})
    organizations = sorted({e.organization for e in real.experts if e.organization})
    roles = sorted({role for e in real.experts for role in e.roles})
    initials = "ABCDEFGHIJKLMNOPRSTUVWZ"
    # Keywords name what is particular to a title: words the report uses a few times at most.
    frequency, spelling = defaultdict(int), {}
    for text in paragraphs:
        for word in WORD.findall(text):
            frequency[fold(word)] += 1
            spelling.setdefault(fold(word), word.lower())

    experts, seen = [], set()
    while len(experts) < 35 * k:
        name = f"{rng.choice(first_names)} {rng.choice(initials)}. {rng.choice(initials)}. {rng.choice(last_names)}"
        if name not in seen:
            seen.add(name)
            experts.append((name, rng.choice(roles), rng.choice(organizations)))

    # Each title ends on its own topic, two of the report's rarer words side by side, as the real
    # titles end on theirs ("Micro et nano", "Splinternet"); the cloud names those topics, so a
    # keyword is about one trend or a few, as in the real cloud.
    rare = sorted(spelling[w] for w, n in frequency.items() if 2 <= n <= 3 and w.isalpha() and len(w) > 4 and w not in STOPWORDS)
    articles, cloud, taken = [], [], set()
    for number in range(1, 38 * k + 1):
        first, second = rng.sample(rare, 2)
        while second in chain.next.get(first, ()):  # a pair the report never writes side by side
            first, second = rng.sample(rare, 2)
        topic = f"{first} {second}"
        title = f"{chain.sentence(3, 8).rstrip(',;:')} : {topic} {number}"
        expert = experts[(number - 1) % len(experts)]
        if topic not in taken:
            taken.add(topic)
            cloud.append(topic)
        articles.append((number, title, expert))

    lines = ["# Rapport synthétique : l'avis des experts", "", f"**Tendances 2021 ({k}x)**", ""]
    lines += ["# Nous allons parler de...", ""]
    for start in range(0, len(cloud), 5):
        lines.append(" ".join(cloud[start : start + 5]) + "  ")
    lines += ["", "# avec...", ""]
    by_expert = defaultdict(list)
    for _, title, expert in articles:
        by_expert[expert[0]].append(title)
    lines += [f"- {name} :** {' • '.join(titles)}" for name, titles in by_expert.items()]
    lines += ["", "# A propos de Digimind", "", "Une entreprise de veille.", ""]
    for number, title, (name, role, organization) in articles:
        lines += [f"## #{number} {title}", "", f"**{name}**  ", f"**{role}**  ", f"**{organization}**", ""]
        lines += [f"<https://www.linkedin.com/in/expert-{number}/>", ""]
        for index in range(rng.randint(5, 9)):
            if index == 3 and rng.random() < 0.5:
                lines += [f"### {chain.sentence(3, 7)}", ""]
            if index == 5 and rng.random() < 0.3:
                lines += [f"- {chain.sentence(6, 14)}" for _ in range(3)] + [""]
                continue
            lines += [". ".join(chain.sentence(8, 22) for _ in range(rng.randint(3, 6))) + ".", ""]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(generate(int(sys.argv[1])))
