#!/bin/sh
# The image's entrypoint: the first argument names the server (namesrv | broker) or an operator CLI
# (mqadmin | mqshutdown | apogee); the rest are that CLI's arguments. `exec` makes the server the
# container's main process, so `docker stop` / Kubernetes deliver SIGTERM to it directly and a
# broker drains before it exits. Anything else runs as a plain command (e.g. `sh` for debugging).
set -eu
install_dir="${APOGEE_INSTALL_DIR:-/opt/apogee}"
role="${1:-namesrv}"
[ "$#" -gt 0 ] && shift
case "$role" in
  namesrv | mqnamesrv) exec node "$install_dir/dist/src/cli/mqnamesrv.js" "$@" ;;
  broker | mqbroker) exec node "$install_dir/dist/src/cli/mqbroker.js" "$@" ;;
  mqadmin | mqshutdown | apogee) exec node "$install_dir/dist/src/cli/$role.js" "$@" ;;
  *) exec "$role" "$@" ;;
esac
