# shellcheck shell=bash
# Small helpers shared by scripts/keycloak.sh and scripts/hub.sh (sourced, not run).
#
# Everything here works on processes by the pid we recorded when we started them:
# no process is ever looked up or killed by name.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# State of the running stack (pid files, logs, databases). Default: .stack in the repo.
STACK_DIR="${STACK_DIR:-$ROOT/.stack}"
mkdir -p "$STACK_DIR"
STACK_DIR="$(cd "$STACK_DIR" && pwd)"
export STACK_DIR

# Prefix for messages; each script sets its own.
LOG_PREFIX="${LOG_PREFIX:-stack}"

log() { printf '%s: %s\n' "$LOG_PREFIX" "$*"; }
die() {
  printf '%s: error: %s\n' "$LOG_PREFIX" "$*" >&2
  exit 1
}

# now_s: seconds since the epoch, with a fraction (for timings).
now_s() { date +%s.%N; }
# elapsed START: seconds since START, one decimal.
elapsed() { awk -v s="$1" -v e="$(now_s)" 'BEGIN { printf "%.1f", e - s }'; }

# read_pid FILE: prints the pid stored in FILE, or nothing.
read_pid() {
  [ -f "$1" ] || return 0
  local pid
  pid="$(tr -dc '0-9' <"$1")"
  [ -n "$pid" ] && printf '%s\n' "$pid"
  return 0
}

# pid_alive PID: true while the process exists (and is not a zombie).
pid_alive() {
  local pid=$1 state
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then return 1; fi
  state="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
  [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

# group_alive PGID: true while any process of the process group exists.
group_alive() { [ -n "$1" ] && kill -0 -- "-$1" 2>/dev/null; }

# port_in_use PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# http_status URL: prints the HTTP status code (000 when nothing answers).
http_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" 2>/dev/null || true
}

# start_daemon PIDFILE LOGFILE COMMAND...: runs COMMAND in the background in a new
# session (so it is the leader of its own process group and survives this shell),
# with stdin from /dev/null and stdout+stderr appended to LOGFILE; writes its pid.
start_daemon() {
  local pidfile=$1 logfile=$2
  shift 2
  setsid "$@" </dev/null >>"$logfile" 2>&1 &
  printf '%s\n' "$!" >"$pidfile"
}

# wait_http URL TIMEOUT PID: waits until URL answers 200. Fails early when PID dies.
wait_http() {
  local url=$1 timeout=$2 pid=$3 deadline
  deadline=$(($(date +%s) + timeout))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$(http_status "$url")" = 200 ]; then
      return 0
    fi
    if ! pid_alive "$pid"; then
      log "process $pid exited before $url answered"
      return 1
    fi
    sleep 0.5
  done
  log "$url did not answer 200 within ${timeout}s"
  return 1
}

# stop_group PID NAME TIMEOUT: sends SIGTERM to the process group led by PID (started
# by start_daemon), waits up to TIMEOUT seconds for the whole group to exit, then
# sends SIGKILL to what is left.
stop_group() {
  local pid=$1 name=$2 timeout=$3 deadline
  group_alive "$pid" || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  deadline=$(($(date +%s) + timeout))
  while group_alive "$pid" && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 0.3
  done
  if group_alive "$pid"; then
    log "$name (process group $pid) still running after ${timeout}s: sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || true
    sleep 0.5
  fi
  ! group_alive "$pid"
}

# stop_pids TIMEOUT PID...: SIGTERM to each PID still alive, wait, then SIGKILL.
stop_pids() {
  local timeout=$1 pid deadline left
  shift
  left=()
  for pid in "$@"; do
    if pid_alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      left+=("$pid")
    fi
  done
  [ "${#left[@]}" -gt 0 ] || return 0
  deadline=$(($(date +%s) + timeout))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    local any=0
    for pid in "${left[@]}"; do
      if pid_alive "$pid"; then any=1; fi
    done
    [ "$any" = 1 ] || return 0
    sleep 0.3
  done
  for pid in "${left[@]}"; do
    if pid_alive "$pid"; then
      log "process $pid still running after ${timeout}s: sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# descendants PID: prints the pids of all descendants of PID (children first).
descendants() {
  local children child
  children="$(ps -o pid= --ppid "$1" 2>/dev/null || true)"
  for child in $children; do
    printf '%s\n' "$child"
    descendants "$child"
  done
}

# tail_log FILE [LINES]: prints the end of a log file, for failures.
tail_log() {
  local file=$1 lines=${2:-60}
  [ -f "$file" ] || return 0
  printf '%s: --- last %s lines of %s ---\n' "$LOG_PREFIX" "$lines" "$file" >&2
  tail -n "$lines" "$file" >&2
  printf '%s: --- end of log ---\n' "$LOG_PREFIX" >&2
}

# stop_pidfile PIDFILE NAME TIMEOUT: stops the process group recorded in PIDFILE (by
# start_daemon) and removes the file.
stop_pidfile() {
  local pidfile=$1 name=$2 timeout=$3 pid
  pid="$(read_pid "$pidfile")"
  if [ -z "$pid" ] || ! group_alive "$pid"; then
    rm -f "$pidfile"
    log "not running"
    return 0
  fi
  stop_group "$pid" "$name" "$timeout" || die "could not stop $name (process group $pid)"
  rm -f "$pidfile"
  log "stopped"
}

# dispatch ARG: runs cmd_install, cmd_start, cmd_stop or cmd_status, else prints the usage.
dispatch() {
  case "${1:-}" in
    install | start | stop | status) "cmd_$1" ;;
    *)
      echo "usage: $0 {install|start|stop|status}" >&2
      exit 2
      ;;
  esac
}
