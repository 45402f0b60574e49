"""The floor: a bare Flask app answering precomputed bytes, what no Python service can beat.

It serves, for each path the benchmark asks the service for, the exact bytes and headers the
service answered (recorded in $FLOOR_PAYLOADS, a JSON file), and a 304 when If-None-Match holds
the recorded ETag. Run by the service's own server and settings (`python -m api.server bench.floor:app`).
"""

import json
import os

from flask import Flask, Response, request

app = Flask(__name__)
with open(os.environ["FLOOR_PAYLOADS"], encoding="utf-8") as source:
    PAYLOADS = {
        path: (bytes.fromhex(item["body"]), item["content_type"], item["etag"]) for path, item in json.load(source).items()
    }


@app.route("/<path:path>")
def answer(path):
    body, content_type, etag = PAYLOADS[request.full_path.rstrip("?")]
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers={"ETag": etag})
    return Response(body, content_type=content_type, headers={"ETag": etag})
