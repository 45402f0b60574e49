# syntax=docker/dockerfile:1
# The Tendances API image: granian (api/server.py) serving the app as a non-root user.
#   docker build -t tendances-api .
#   docker run -p 8000:8000 tendances-api          # SQLite inside the container
# See docker-compose.yml for PostgreSQL and Redis.

FROM python:3.11.7-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /build
COPY requirements.txt .
RUN python -m venv /venv \
 && /venv/bin/pip install --no-deps -r requirements.txt \
 && /venv/bin/pip check

FROM python:3.11.7-slim-bookworm
LABEL org.opencontainers.image.title="tendances-api" \
      org.opencontainers.image.description="REST API over the report Tendances 2021 (Digimind)"
ENV PATH="/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_APP=api \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:////data/tendances.db \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app \
 && mkdir -p /data /tmp/metrics && chown 10001:10001 /data /tmp/metrics
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=10001:10001 api/ api/
COPY --chown=10001:10001 seed/ seed/
COPY --chown=10001:10001 migrations/ migrations/
COPY --chown=10001:10001 docker/entrypoint.sh pyproject.toml README.md ./
# The project itself, editable and without dependencies: its entry point gives `flask` the seed
# package's `flask seed` (the app never imports the seed).
RUN pip install --no-cache-dir --no-deps -e . && pip check
USER 10001:10001
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/health', timeout=2)"]
ENTRYPOINT ["./entrypoint.sh"]
