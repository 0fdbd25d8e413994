#!/usr/bin/env bash
# Keycloak for the demo and the integration tests, on 127.0.0.1 only.
#
#   scripts/keycloak.sh install   download the pinned Keycloak from Maven Central (sha256 checked)
#                                 into .cache/keycloak-<version>/, pre-build its dev profile and
#                                 a pristine database (so that `start` is fast)
#   scripts/keycloak.sh start     start-dev in the background, import realm "jupyterhub"
#                                 (demo/realm-jupyterhub.json), wait until it answers
#   scripts/keycloak.sh stop      stop it (pid file) and wait for exit
#   scripts/keycloak.sh status    print whether it runs
#
# Environment (defaults in brackets):
#   STACK_DIR            state of the running stack [<repo>/.stack]; Keycloak uses
#                        $STACK_DIR/keycloak/ (its data/, keycloak.pid, keycloak.log)
#   KC_PORT              HTTP port [18080]
#   KC_TOKEN_LIFESPAN    access and id_token lifespan in seconds [300]
#   KC_SSO_SESSION_IDLE  SSO session idle timeout = refresh token lifespan, seconds [1800]
#   KC_BOOTSTRAP_ADMIN_USERNAME / KC_BOOTSTRAP_ADMIN_PASSWORD
#                        master realm admin [admin / admin] (KEYCLOAK_ADMIN / KEYCLOAK_ADMIN_PASSWORD
#                        are accepted too). Used by `install`, which creates the database template
#                        that every new STACK_DIR starts from.
#   KC_JAVA_HOME         the JDK to run Keycloak with [JAVA_HOME, else the newest JDK >= 17 found in
#                        /usr/lib/jvm or on PATH]. Keycloak 26.7 supports OpenJDK 17, 21 and 25 and
#                        suggests the newest; 17 (Debian) and 25 (Temurin) were both tried here.
#   KC_START_TIMEOUT     seconds to wait for start [180]
#
# The realm is imported only into a database that does not have it yet: after changing
# KC_TOKEN_LIFESPAN, use a fresh STACK_DIR (or remove $STACK_DIR/keycloak).
set -euo pipefail

export LOG_PREFIX=keycloak
# shellcheck source=scripts/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KC_VERSION=26.7.3
KC_ARTIFACT="org.keycloak:keycloak-quarkus-dist:$KC_VERSION:tar.gz"
KC_SHA256=77657f30b7e90d70f727712ce1c967f430fd6a5e9f458d32d8c6df0635345f47

KC_DIST="$ROOT/.cache/keycloak-$KC_VERSION"
KC_DOWNLOADS="$ROOT/.cache/downloads"
KC_TARBALL="$KC_DOWNLOADS/keycloak-quarkus-dist-$KC_VERSION.tar.gz"
KC_STAMP="$KC_DIST/.installed"
KC_DB_TEMPLATE="$KC_DIST/db-template/keycloakdb.mv.db"

KC_PORT="${KC_PORT:-18080}"
KC_TOKEN_LIFESPAN="${KC_TOKEN_LIFESPAN:-300}"
KC_SSO_SESSION_IDLE="${KC_SSO_SESSION_IDLE:-1800}"
KC_ADMIN_USER="${KC_BOOTSTRAP_ADMIN_USERNAME:-${KEYCLOAK_ADMIN:-admin}}"
KC_ADMIN_PASSWORD="${KC_BOOTSTRAP_ADMIN_PASSWORD:-${KEYCLOAK_ADMIN_PASSWORD:-admin}}"
KC_START_TIMEOUT="${KC_START_TIMEOUT:-180}"

KC_HOME="$STACK_DIR/keycloak"
KC_PIDFILE="$KC_HOME/keycloak.pid"
KC_LOG="$KC_HOME/keycloak.log"
KC_REALM_TEMPLATE="$ROOT/demo/realm-jupyterhub.json"
KC_REALM_FILE="$KC_HOME/data/import/jupyterhub-realm.json"
KC_URL_BASE="http://127.0.0.1:$KC_PORT"
KC_READY_URL="$KC_URL_BASE/realms/jupyterhub/.well-known/openid-configuration"

# java_major JAVA: prints the major version of a java binary (0 when it does not run).
java_major() {
  local v
  v="$("$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')"
  printf '%s\n' "${v:-0}"
}

# pick_java_home: prints the JAVA_HOME to run Keycloak with.
pick_java_home() {
  local home
  for home in "${KC_JAVA_HOME:-}" "${JAVA_HOME:-}"; do
    if [ -n "$home" ]; then
      [ -x "$home/bin/java" ] || die "no java in $home/bin"
      printf '%s\n' "$home"
      return 0
    fi
  done
  local best="" best_major=0 java major
  for java in /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
    if [ -z "$java" ] || [ ! -x "$java" ]; then continue; fi
    java="$(readlink -f "$java")"
    major="$(java_major "$java")"
    if [ "$major" -gt "$best_major" ]; then
      best_major=$major
      best="$(dirname "$(dirname "$java")")"
    fi
  done
  [ "$best_major" -ge 17 ] || die "Keycloak $KC_VERSION needs Java 17 or newer (21 recommended); none found"
  printf '%s\n' "$best"
}

# link_home DIR: makes DIR a Keycloak home that shares the installed distribution
# (lib, conf, providers, themes: symlinks) but keeps its own data/ directory.
# kc.sh is run with -Dkc.home.dir=DIR: Keycloak reads data/import/ and keeps its H2
# database under DIR/data, and finds the pre-built (augmented) server through lib/.
link_home() {
  local dir=$1 part
  mkdir -p "$dir/data/import"
  for part in lib conf providers themes; do
    ln -sfn "$KC_DIST/$part" "$dir/$part"
  done
}

# run_kc HOME LOGFILE PIDFILE ARGS...: start kc.sh in the background for HOME.
run_kc() {
  local home=$1 logfile=$2 pidfile=$3 java_home
  shift 3
  java_home="$(pick_java_home)"
  log "java: $java_home ($(java_major "$java_home/bin/java"))"
  start_daemon "$pidfile" "$logfile" env \
    JAVA_HOME="$java_home" \
    KC_BOOTSTRAP_ADMIN_USERNAME="$KC_ADMIN_USER" \
    KC_BOOTSTRAP_ADMIN_PASSWORD="$KC_ADMIN_PASSWORD" \
    "$KC_DIST/bin/kc.sh" "$@" -Dkc.home.dir="$home"
}

cmd_install() {
  if [ -f "$KC_STAMP" ]; then
    log "Keycloak $KC_VERSION already installed in ${KC_DIST#"$ROOT"/}"
    return 0
  fi
  local t0 java_home
  t0="$(now_s)"
  command -v mvn >/dev/null || die "mvn (Maven) is needed to download Keycloak"
  java_home="$(pick_java_home)"

  mkdir -p "$KC_DOWNLOADS"
  if [ ! -f "$KC_TARBALL" ] || ! echo "$KC_SHA256  $KC_TARBALL" | sha256sum -c --status; then
    log "downloading $KC_ARTIFACT from Maven Central"
    rm -f "$KC_TARBALL"
    if ! mvn -B -Dstyle.color=never dependency:copy \
      -Dartifact="$KC_ARTIFACT" -DoutputDirectory="$KC_DOWNLOADS" -Dmdep.overWriteReleases=true \
      >"$KC_DOWNLOADS/mvn.log" 2>&1; then
      tail_log "$KC_DOWNLOADS/mvn.log" 30
      die "mvn could not download $KC_ARTIFACT"
    fi
  fi
  if ! echo "$KC_SHA256  $KC_TARBALL" | sha256sum -c --status; then
    rm -f "$KC_TARBALL"
    die "sha256 of $KC_TARBALL does not match the pinned $KC_SHA256"
  fi
  log "sha256 ok ($KC_SHA256)"

  local partial="$KC_DIST.partial"
  rm -rf "$partial" "$KC_DIST"
  mkdir -p "$partial"
  tar -xzf "$KC_TARBALL" -C "$partial" --strip-components=1
  mv "$partial" "$KC_DIST"

  # One throw-away start-dev run: it builds (augments) the server for the dev profile once,
  # which every later start-dev reuses (without it, each start spends ~40 s rebuilding on
  # 2 cores), and leaves a database with the schema and the master realm (admin user), which
  # `start` copies into each new STACK_DIR (saves ~10 s of schema creation per fresh start).
  log "pre-building the dev profile and the database template (one start-dev, ~1 min)"
  local prime="$KC_DIST/prime" prime_pid
  rm -rf "$prime"
  link_home "$prime"
  if port_in_use "$KC_PORT"; then
    die "port $KC_PORT is in use; stop what runs there (or set KC_PORT) and run install again"
  fi
  run_kc "$prime" "$prime/keycloak.log" "$prime/keycloak.pid" \
    start-dev --http-host=127.0.0.1 --http-port="$KC_PORT"
  prime_pid="$(read_pid "$prime/keycloak.pid")"
  if ! wait_http "$KC_URL_BASE/realms/master/.well-known/openid-configuration" "$KC_START_TIMEOUT" "$prime_pid"; then
    tail_log "$prime/keycloak.log"
    stop_group "$prime_pid" keycloak 30 || true
    die "the first Keycloak start failed"
  fi
  stop_group "$prime_pid" keycloak 60 || die "could not stop the first Keycloak run"
  mkdir -p "$(dirname "$KC_DB_TEMPLATE")"
  cp "$prime/data/h2/keycloakdb.mv.db" "$KC_DB_TEMPLATE"
  rm -rf "$prime"

  date -u +%FT%TZ >"$KC_STAMP"
  log "installed Keycloak $KC_VERSION in ${KC_DIST#"$ROOT"/} in $(elapsed "$t0")s"
}

render_realm() {
  case "$KC_TOKEN_LIFESPAN$KC_SSO_SESSION_IDLE" in
    *[!0-9]*) die "KC_TOKEN_LIFESPAN and KC_SSO_SESSION_IDLE must be whole seconds" ;;
  esac
  [ "$KC_TOKEN_LIFESPAN" -ge 10 ] || die "KC_TOKEN_LIFESPAN must be at least 10 seconds"
  local out=$1
  sed -e "s/\"@KC_TOKEN_LIFESPAN@\"/$KC_TOKEN_LIFESPAN/" \
    -e "s/\"@KC_SSO_SESSION_IDLE@\"/$KC_SSO_SESSION_IDLE/" \
    "$KC_REALM_TEMPLATE" >"$out"
  if grep -q '@KC_' "$out"; then
    die "unrendered placeholder left in $out"
  fi
}

cmd_start() {
  [ -f "$KC_STAMP" ] || die "Keycloak is not installed: run scripts/keycloak.sh install"
  local pid
  pid="$(read_pid "$KC_PIDFILE")"
  if pid_alive "$pid"; then
    log "already running (pid $pid) at $KC_URL_BASE"
    return 0
  fi
  if port_in_use "$KC_PORT"; then
    die "port $KC_PORT is in use by another process"
  fi
  local t0
  t0="$(now_s)"

  link_home "$KC_HOME"
  local fresh=0
  if [ ! -f "$KC_HOME/data/h2/keycloakdb.mv.db" ]; then
    fresh=1
    mkdir -p "$KC_HOME/data/h2"
    cp "$KC_DB_TEMPLATE" "$KC_HOME/data/h2/keycloakdb.mv.db"
  fi
  local rendered="$KC_HOME/data/realm-jupyterhub.rendered.json"
  render_realm "$rendered"
  if [ "$fresh" = 0 ] && [ -f "$KC_REALM_FILE" ] && ! cmp -s "$rendered" "$KC_REALM_FILE"; then
    # The database already has the realm: Keycloak skips the import and keeps the old
    # settings. Keep the old file too, so it tells what is in effect.
    log "warning: realm settings changed (e.g. KC_TOKEN_LIFESPAN) but realm \"jupyterhub\" is"
    log "warning: already in $KC_HOME/data: Keycloak keeps the old ones. For the new ones,"
    log "warning: stop, remove $KC_HOME and start again."
    rm -f "$rendered"
  else
    mv "$rendered" "$KC_REALM_FILE"
  fi
  local lifespan
  lifespan="$(sed -n 's/.*"accessTokenLifespan": *\([0-9]*\).*/\1/p' "$KC_REALM_FILE")"

  : >"$KC_LOG"
  run_kc "$KC_HOME" "$KC_LOG" "$KC_PIDFILE" \
    start-dev --import-realm --http-host=127.0.0.1 --http-port="$KC_PORT"
  pid="$(read_pid "$KC_PIDFILE")"
  if ! wait_http "$KC_READY_URL" "$KC_START_TIMEOUT" "$pid"; then
    tail_log "$KC_LOG"
    stop_group "$pid" keycloak 30 || true
    rm -f "$KC_PIDFILE"
    die "Keycloak did not start"
  fi
  log "running (pid $pid) at $KC_URL_BASE, realm jupyterhub, token lifespan ${lifespan}s;" \
    "started in $(elapsed "$t0")s ($([ "$fresh" = 1 ] && echo "new database" || echo "existing database"))"
}

cmd_stop() { stop_pidfile "$KC_PIDFILE" keycloak 60; }

cmd_status() {
  local pid
  pid="$(read_pid "$KC_PIDFILE")"
  if pid_alive "$pid"; then
    if [ "$(http_status "$KC_READY_URL")" = 200 ]; then
      log "running (pid $pid) at $KC_URL_BASE"
    else
      log "starting or unhealthy (pid $pid): $KC_READY_URL does not answer 200"
    fi
  else
    log "not running"
    return 3
  fi
}

dispatch "$@"
