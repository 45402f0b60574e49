#!/bin/sh
# Container start: apply migrations, load the report (both safe to repeat), then hand the
# process over to gunicorn. Set SEED_ON_START=0 to skip the seed (e.g. when a job seeds).
set -eu
flask db upgrade
if [ "${SEED_ON_START:-1}" = "1" ]; then
  flask seed
fi
exec gunicorn -c gunicorn.conf.py
