#!/usr/bin/env bash
# JupyterHub for the demo and the integration tests (demo/jupyterhub_config.py), on 127.0.0.1
# only, logging in through Keycloak (scripts/keycloak.sh).
#
#   scripts/hub.sh install   configurable-http-proxy (pinned, from npm) into .cache/chp/
#   scripts/hub.sh start     start JupyterHub in the background, wait until /hub/api answers
#   scripts/hub.sh stop      stop JupyterHub, its proxy and every single-user server it started
#   scripts/hub.sh status    print whether it runs
#
# Environment (defaults in brackets):
#   STACK_DIR    state of the running stack [<repo>/.stack]; the hub uses $STACK_DIR/hub/
#                (jupyterhub.sqlite, cookie secret, crypt_key, proxy_token, pid files, logs, and
#                home/<user>/ for each single-user server)
#   HUB_PORT     public port (configurable-http-proxy) [8000]; the proxy API listens on
#                HUB_PORT+1, the hub itself (its REST API) on HUB_PORT+81 and its id_token
#                service (a managed service of the hub) on HUB_PORT+82 (with
#                HUB_TEST_ACCESS_TOKEN_SERVICE=1, a second one, allowing access tokens, on
#                HUB_PORT+83)
#   HUB_ALLOW_ACCESS_TOKEN=1
#                let the id_token service hand out access tokens too (docs/security.md) [off]
#   KC_URL       Keycloak base URL or realm URL [http://127.0.0.1:18080]
#   HUB_REFRESH_LEAD_SECONDS / HUB_AUTH_REFRESH_AGE
#                refresh the id_token when it expires within this many seconds [60] /
#                check at most every this many seconds [30] (see jupyter_extension_server/hub.py)
#   HUB_START_TIMEOUT   seconds to wait for start [60]
set -euo pipefail

export LOG_PREFIX=hub
# shellcheck source=scripts/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHP_VERSION=5.3.0
CHP_INTEGRITY="sha512-5au4O12dEFFHWNm9Y7Exm06TYc1CnMOvvptPTU83Vw7Nz9j0jUqQQwKDR1xT52gqX+X6D8UuO754dQdUkeBYuQ=="
CHP_PREFIX="$ROOT/.cache/chp"
CHP_BIN="$CHP_PREFIX/node_modules/.bin/configurable-http-proxy"

HUB_PORT="${HUB_PORT:-8000}"
HUB_START_TIMEOUT="${HUB_START_TIMEOUT:-60}"
HUB_DIR="$STACK_DIR/hub"
HUB_PIDFILE="$HUB_DIR/jupyterhub.pid"
HUB_LOG="$HUB_DIR/jupyterhub.log"
PROXY_PIDFILE="$HUB_DIR/jupyterhub-proxy.pid"
HUB_URL_BASE="http://127.0.0.1:$HUB_PORT"
HUB_API_URL="http://127.0.0.1:$((HUB_PORT + 81))/hub/api"
JUPYTERHUB="$ROOT/.venv/bin/jupyterhub"

chp_installed_version() {
  [ -x "$CHP_BIN" ] || return 0
  node -p "require('$CHP_PREFIX/node_modules/configurable-http-proxy/package.json').version" 2>/dev/null || true
}

cmd_install() {
  if [ "$(chp_installed_version)" = "$CHP_VERSION" ]; then
    log "configurable-http-proxy $CHP_VERSION already installed in ${CHP_PREFIX#"$ROOT"/}"
    return 0
  fi
  command -v npm >/dev/null || die "npm is needed to install configurable-http-proxy"
  local t0
  t0="$(now_s)"
  mkdir -p "$CHP_PREFIX"
  npm install --prefix "$CHP_PREFIX" --save-exact --no-audit --no-fund --loglevel=error \
    "configurable-http-proxy@$CHP_VERSION"
  local integrity
  integrity="$(node -p "require('$CHP_PREFIX/package-lock.json').packages['node_modules/configurable-http-proxy'].integrity")"
  if [ "$integrity" != "$CHP_INTEGRITY" ]; then
    rm -rf "$CHP_PREFIX/node_modules"
    die "configurable-http-proxy $CHP_VERSION integrity $integrity does not match the pinned $CHP_INTEGRITY"
  fi
  [ "$(chp_installed_version)" = "$CHP_VERSION" ] || die "configurable-http-proxy install failed"
  log "installed configurable-http-proxy $CHP_VERSION in ${CHP_PREFIX#"$ROOT"/} in $(elapsed "$t0")s"
}

# hub_server_pids: pids of processes started for this hub's single-user servers (and their
# kernels), also those left behind by a hub that died: JupyterHub gives each of them
# JUPYTERHUB_API_URL=<this hub's API URL> in its environment.
hub_server_pids() {
  local environ pid
  for environ in /proc/[0-9]*/environ; do
    pid="${environ#/proc/}"
    pid="${pid%/environ}"
    [ "$pid" != "$$" ] || continue
    if { tr '\0' '\n' <"$environ"; } 2>/dev/null | grep -qxF "JUPYTERHUB_API_URL=$HUB_API_URL"; then
      printf '%s\n' "$pid"
    fi
  done
}

cmd_start() {
  [ "$(chp_installed_version)" = "$CHP_VERSION" ] || die "configurable-http-proxy is not installed: run scripts/hub.sh install"
  [ -x "$JUPYTERHUB" ] || die "$JUPYTERHUB is missing: run scripts/setup.sh"
  local pid
  pid="$(read_pid "$HUB_PIDFILE")"
  if pid_alive "$pid"; then
    log "already running (pid $pid) at $HUB_URL_BASE"
    return 0
  fi
  local port ports=("$HUB_PORT" $((HUB_PORT + 1)) $((HUB_PORT + 81)) $((HUB_PORT + 82)))
  if [ "${HUB_TEST_ACCESS_TOKEN_SERVICE:-}" = 1 ]; then ports+=($((HUB_PORT + 83))); fi
  for port in "${ports[@]}"; do
    if port_in_use "$port"; then
      die "port $port is in use by another process (HUB_PORT=$HUB_PORT uses $HUB_PORT, $((HUB_PORT + 1)), $((HUB_PORT + 81)) and $((HUB_PORT + 82)))"
    fi
  done
  local t0
  t0="$(now_s)"
  mkdir -p "$HUB_DIR/home"
  chmod 700 "$HUB_DIR"
  # Secrets, generated once per STACK_DIR, readable by the owner only.
  (
    umask 077
    [ -s "$HUB_DIR/crypt_key" ] || openssl rand -hex 32 >"$HUB_DIR/crypt_key"
    [ -s "$HUB_DIR/proxy_token" ] || openssl rand -hex 32 >"$HUB_DIR/proxy_token"
  )
  local kc_url="${KC_URL:-http://127.0.0.1:18080}"
  local kc_realm_url="$kc_url"
  case "$kc_url" in
    */realms/*) ;;
    *) kc_realm_url="${kc_url%/}/realms/jupyterhub" ;;
  esac
  if [ "$(http_status "$kc_realm_url/.well-known/openid-configuration")" != 200 ]; then
    log "warning: Keycloak does not answer at $kc_realm_url (logins fail until it does)"
  fi

  log "starting JupyterHub on $HUB_URL_BASE (log: $HUB_LOG)"
  (
    cd "$ROOT"
    export HUB_PORT KC_URL="$kc_url"
    JUPYTERHUB_CRYPT_KEY="$(cat "$HUB_DIR/crypt_key")"
    CONFIGPROXY_AUTH_TOKEN="$(cat "$HUB_DIR/proxy_token")"
    export JUPYTERHUB_CRYPT_KEY CONFIGPROXY_AUTH_TOKEN
    start_daemon "$HUB_PIDFILE" "$HUB_LOG" "$JUPYTERHUB" -f "$ROOT/demo/jupyterhub_config.py"
  )
  pid="$(read_pid "$HUB_PIDFILE")"
  if ! wait_http "$HUB_URL_BASE/hub/api" "$HUB_START_TIMEOUT" "$pid"; then
    tail_log "$HUB_LOG"
    cmd_stop || true
    die "JupyterHub did not start"
  fi
  # The id_token service the hub starts beside itself, through the proxy's route to it.
  if ! wait_http "$HUB_URL_BASE/services/vault-jwt-id-token/" "$HUB_START_TIMEOUT" "$pid"; then
    tail_log "$HUB_LOG"
    cmd_stop || true
    die "the hub's id_token service did not start"
  fi
  if [ "${HUB_TEST_ACCESS_TOKEN_SERVICE:-}" = 1 ] &&
    ! wait_http "$HUB_URL_BASE/services/vault-jwt-access-token/" "$HUB_START_TIMEOUT" "$pid"; then
    tail_log "$HUB_LOG"
    cmd_stop || true
    die "the hub's second id_token service (access tokens allowed) did not start"
  fi
  log "running (pid $pid) at $HUB_URL_BASE; started in $(elapsed "$t0")s"
}

cmd_stop() {
  local pid found=0
  pid="$(read_pid "$HUB_PIDFILE")"
  if pid_alive "$pid"; then
    found=1
    # Remember what the hub started (proxy, single-user servers, their kernels) before
    # asking it to stop: JupyterHub stops them itself on SIGTERM (cleanup_servers and
    # cleanup_proxy are on in demo/jupyterhub_config.py); anything left is stopped below.
    local children
    mapfile -t children < <(descendants "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(($(date +%s) + 60))
    while pid_alive "$pid" && [ "$(date +%s)" -lt "$deadline" ]; do
      sleep 0.3
    done
    if pid_alive "$pid"; then
      log "JupyterHub (pid $pid) still running after 60s: sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    if [ "${#children[@]}" -gt 0 ]; then
      stop_pids 20 "${children[@]}"
    fi
  fi
  # A proxy or servers left behind by an earlier hub that died.
  local proxy
  proxy="$(read_pid "$PROXY_PIDFILE")"
  if pid_alive "$proxy"; then
    found=1
    log "stopping configurable-http-proxy (pid $proxy) left behind"
    stop_pids 20 "$proxy"
  fi
  local leftovers
  mapfile -t leftovers < <(hub_server_pids)
  if [ "${#leftovers[@]}" -gt 0 ]; then
    found=1
    log "stopping single-user server processes left behind: ${leftovers[*]}"
    stop_pids 20 "${leftovers[@]}"
  fi
  rm -f "$HUB_PIDFILE" "$PROXY_PIDFILE"
  if [ "$found" = 1 ]; then
    log "stopped"
  else
    log "not running"
  fi
}

cmd_status() {
  local pid
  pid="$(read_pid "$HUB_PIDFILE")"
  if pid_alive "$pid"; then
    if [ "$(http_status "$HUB_URL_BASE/hub/api")" = 200 ]; then
      log "running (pid $pid) at $HUB_URL_BASE"
    else
      log "starting or unhealthy (pid $pid): $HUB_URL_BASE/hub/api does not answer 200"
    fi
  else
    log "not running"
    return 3
  fi
}

dispatch "$@"
