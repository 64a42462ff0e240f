#!/bin/sh
# The image's commands, one process per container (README "Deploying"):
#   web [daphne options]   HTTP + WebSocket on 0.0.0.0:$PORT (8000), behind a proxy
#   worker                 manage.py sweep
#   deliver (or webhooks)  manage.py deliver: webhooks, bot connector, Messenger, e-mail
#   migrate                manage.py migrate, once per release before the others start
#   ready                  exit 0 when this container's web process is ready (/readyz)
#   manage <command> ...   any manage.py command; a bare `createadmin ...` works too
# `exec`: the process gets the container's signals itself, so SIGTERM is graceful.
set -eu
cd "$(dirname "$0")/.."

command="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$command" in
  web)
    exec python -m hitl_project.serve --bind 0.0.0.0 --port "${PORT:-8000}" --proxy-headers "$@"
    ;;
  worker)
    exec python manage.py sweep "$@"
    ;;
  deliver|webhooks)
    exec python manage.py deliver "$@"
    ;;
  migrate)
    exec python manage.py migrate --noinput "$@"
    ;;
  ready)
    exec python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${PORT:-8000}/readyz', timeout=3)"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    exec python manage.py "$command" "$@"
    ;;
esac
