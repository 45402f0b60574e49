"""The README's tour of the API, run as written against a seeded server: each `curl` line answers
what its comment says (the trends it names, a 422, a 304), so the README cannot drift again."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.servers import ROOT

README_HOST = "http://127.0.0.1:8000"


def tour_commands():
    """``(command, what its comment and the comment lines below it say)`` of each command of the
    README's tour (its first ``sh`` block under "A tour of the API")."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## A tour of the API", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        if line.startswith("#"):  # what the command above answers ("#   ...", "# → ..."), or a heading
            if commands and line.startswith(("#  ", "# →")):
                commands[-1][1].append(line)
            continue
        if line.strip():
            command, _, comment = line.partition("  # ")
            commands.append((command.strip(), [comment]))
    return [(command, " ".join(said)) for command, said in commands]


COMMANDS = tour_commands()


@pytest.fixture(scope="session")
def tour_key(live_server):
    """The key the tour sends as ``$TENDANCES_KEY``, made as the README says (``flask keys create``)."""
    command = [sys.executable, "-m", "flask", "--app", "api", "keys", "create", "acme-news", "--limit", "10000/hour"]
    env = {**os.environ, "DATABASE_URL": live_server.env["DATABASE_URL"]}
    return subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout.strip()


def run(command, base, env=None, cwd=None):
    """What ``command`` prints, run by bash as the README shows it, on the test server."""
    result = subprocess.run(
        ["bash", "-c", f"set -eo pipefail; {command.replace(README_HOST, base)}"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        cwd=cwd,
    )
    assert result.returncode == 0, (command, result.stderr)
    return result.stdout


def expected_status(said):
    found = re.search(r"\b(304|4\d\d)\b", said)
    return int(found.group(1)) if found else 200


def test_the_tour_has_commands():
    assert len(COMMANDS) >= 25 and all(command.startswith(("curl", "etag=")) for command, _ in COMMANDS)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("command, said", COMMANDS, ids=[command[:70] for command, _ in COMMANDS])
def test_each_tour_command_answers_what_the_readme_says(request, tmp_path, live_base, command, said):
    if command.startswith("etag="):  # the next line sends it back
        return
    if "$etag" in command:
        command = f"{COMMANDS[[c for c, _ in COMMANDS].index(command) - 1][0]}; {command}"
    env = {**os.environ, "TENDANCES_KEY": request.getfixturevalue("tour_key")} if "$TENDANCES_KEY" in command else None
    output = run(command, live_base, env, cwd=tmp_path)  # files it saves (curl -OJ) land there
    if "/v1/exports/" in command:  # CSV or NDJSON: the lines the comment shows, or JSON lines
        saved = re.search(r"saved as (\S+)", said)
        body = (tmp_path / saved.group(1)).read_text(encoding="utf-8") if saved else output
        shown = [part.strip().split("…")[0] for part in said.split("#")[1:]]
        assert all(line.startswith(start) for line, start in zip(body.splitlines(), shown, strict=False)), (command, body[:300])
        if ".ndjson" in command:
            assert all(isinstance(json.loads(line), dict) for line in body.splitlines()) and body, command
        return
    if " -i " in command:  # the status line and headers, then the body
        status = [int(line.split()[1]) for line in output.splitlines() if line.startswith("HTTP/")][-1]
        body = output.replace("\r\n", "\n").split("\n\n", 1)[-1]
    else:
        body = output
        if "x-bibtex" in command:  # a citation in BibTeX: each line the comment shows is in it
            shown = [part.strip().removesuffix("…").strip() for part in said.split("#")[1:]]
            assert shown and body.startswith(shown[0]) and all(line in body for line in shown), (command, body[:300])
            return
        parsed = json.loads(body)
        status = parsed.get("status", 200) if isinstance(parsed, dict) and "type" in parsed else 200
    assert status == expected_status(said), (command, said, output[:300])
    if status == 304:
        return
    answer = json.loads(body)
    numbers = re.search(r"→ ((?:#\d+(?:, )?)+)(?: alone)?", said)
    if numbers:
        assert [item["number"] for item in answer] == [int(n) for n in re.findall(r"#(\d+)", numbers.group(1))], command
    count = re.search(r"→ (\d+) trends", said)
    if count:
        assert len(answer) == int(count.group(1)), command
    for quoted in re.findall(r'"([a-z][\w-]+)"', said):  # a member the comment names is in the answer
        if quoted in ("errors", "suggestions", "query", "hits", "signals", "kind", "labels", "alt_labels", "trends"):
            assert quoted in json.dumps(answer), (command, quoted)
