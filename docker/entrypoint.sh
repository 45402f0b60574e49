#!/bin/sh
# Container start: apply migrations, load the report (both safe to repeat), then hand the
# process over to the server (granian, api/server.py). Set SEED_ON_START=0 to skip the seed (e.g. when a job seeds).
set -eu
flask db upgrade
if [ "${SEED_ON_START:-1}" = "1" ]; then
  flask seed
fi
exec python -m api.server
