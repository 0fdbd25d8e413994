#!/usr/bin/env bash
# SeaweedFS (S3 + IAM + STS AssumeRoleWithWebIdentity trusting the test Keycloak), built from
# source, on 127.0.0.1, for the object storage tests and the demo.
#
#   scripts/seaweedfs.sh build    go build `weed` from the wrapper module scripts/seaweedfs/ (pinned
#                                 by go.mod/go.sum) into .cache/seaweedfs/<version>/weed; skipped
#                                 when that binary exists. Takes 6-20 min of CPU on 2 cores.
#   scripts/seaweedfs.sh start    write the IAM/STS config (OIDC provider = the Keycloak realm at
#                                 KC_URL), start `weed mini` in the background, wait for S3
#   scripts/seaweedfs.sh seed     as the admin identity: buckets management-data and reader-data,
#                                 each with an object (team.csv), and a bucket no role may read
#   scripts/seaweedfs.sh sts-check USER PASSWORD ROLE BUCKET...
#                                 USER's id_token (Keycloak password grant) assumes ROLE at the STS;
#                                 fail unless those credentials list exactly the BUCKETs and read
#                                 the first one's team.csv (demo/s3_check.py)
#   scripts/seaweedfs.sh stop     stop it (the data dir under STACK_DIR is removed)
#   scripts/seaweedfs.sh status   print whether it runs
#
# Environment (defaults in brackets):
#   STACK_DIR       state of the running stack [<repo>/.stack]; SeaweedFS uses $STACK_DIR/seaweedfs/
#                   (iam.json and admin keys (0600), data/, pid file, log)
#   SEAWEED_PORT    first of 10 consecutive ports on 127.0.0.1: S3 on SEAWEED_PORT, its gRPC +1,
#                   master +2/+3, volume +4/+5, filer +6/+7, admin +8/+9 [18300]
#   KC_URL          start: Keycloak base URL or realm URL (realm "jupyterhub") the STS trusts
#                   [http://127.0.0.1:18080]
#   S3_CLIENT_ID    start: the audience the OIDC provider accepts [jupyterhub]
#
# Roles (arn:aws:iam::role/<name>), each assumed with a Keycloak id_token whose aud is S3_CLIENT_ID:
#   jupyter-management   groups claim holds "management": list/read bucket management-data
#   jupyter-reader       groups claim holds "reader": list/read bucket reader-data
#   jupyter-untrusted    trusts only an OIDC provider that is not Keycloak (for the error tests)
set -euo pipefail

export LOG_PREFIX=seaweedfs
# shellcheck source=scripts/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The pinned version (the wrapper module's require); the cache folder is named after it.
SEAWEED_MODULE_VERSION=v0.0.0-20261109003541-7506e5f91cd6
SEAWEED_BIN_DIR="$ROOT/.cache/seaweedfs/$SEAWEED_MODULE_VERSION"
WEED="$SEAWEED_BIN_DIR/weed"
SEAWEED_PORT="${SEAWEED_PORT:-18300}"
SW_DIR="$STACK_DIR/seaweedfs"
SW_PIDFILE="$SW_DIR/seaweedfs.pid"
SW_LOG="$SW_DIR/seaweedfs.log"
SW_IAM="$SW_DIR/iam.json"
SW_ADMIN_KEYS="$SW_DIR/admin_keys"
S3_URL="http://127.0.0.1:$SEAWEED_PORT"
S3_CLIENT_ID="${S3_CLIENT_ID:-jupyterhub}"

cmd_build() {
  if [ -x "$WEED" ]; then
    log "already built: ${WEED#"$ROOT"/}"
    return 0
  fi
  command -v go >/dev/null || die "go is not installed (Go >= 1.26 builds SeaweedFS)"
  mkdir -p "$SEAWEED_BIN_DIR"
  local t0
  t0="$(now_s)"
  log "building weed $SEAWEED_MODULE_VERSION (takes minutes)"
  # -mod=mod: the wrapper has no vendor dir; go.sum pins every module's hash.
  (cd "$ROOT/scripts/seaweedfs" && GOFLAGS=-mod=mod CGO_ENABLED=0 \
    go build -trimpath -o "$WEED.tmp" github.com/seaweedfs/seaweedfs/weed) ||
    die "go build failed"
  mv "$WEED.tmp" "$WEED"
  log "built ${WEED#"$ROOT"/} in $(elapsed "$t0")s: $("$WEED" version 2>/dev/null | head -1)"
}

# kc_realm_url: the Keycloak realm URL from KC_URL (a base URL gets /realms/jupyterhub).
kc_realm_url() {
  local url="${KC_URL:-http://127.0.0.1:18080}"
  case "$url" in
    */realms/*) printf '%s\n' "${url%/}" ;;
    *) printf '%s\n' "${url%/}/realms/jupyterhub" ;;
  esac
}

# bucket_policy BUCKET: a policy document that lists and reads one bucket.
bucket_policy() {
  cat <<EOF
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
   "Resource": ["arn:aws:s3:::$1"]},
  {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::$1/*"]}]}
EOF
}

# trust_policy PROVIDER GROUP: trusts id_tokens of PROVIDER from members of GROUP. The audience is
# bound by the provider's clientId (a token for another client is refused as such, before roles).
trust_policy() {
  cat <<EOF
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Principal": {"Federated": "$1"},
   "Action": ["sts:AssumeRoleWithWebIdentity"],
   "Condition": {"ForAnyValue:StringEquals": {"oidc:groups": "$2"}}}]}
EOF
}

write_config() {
  local realm signing access secret
  realm="$(kc_realm_url)"
  if [ ! -s "$SW_ADMIN_KEYS" ]; then
    (umask 077 && printf '%s %s %s\n' "admin$(openssl rand -hex 6)" "$(openssl rand -hex 20)" \
      "$(openssl rand -base64 32)" >"$SW_ADMIN_KEYS")
  fi
  read -r access secret signing <"$SW_ADMIN_KEYS"
  (
    umask 077
    cat >"$SW_IAM" <<EOF
{
  "identities": [
    {"name": "admin", "credentials": [{"accessKey": "$access", "secretKey": "$secret"}],
     "actions": ["Admin", "Read", "List", "Tagging", "Write"]}
  ],
  "sts": {"tokenDuration": "1h", "maxSessionLength": "12h", "issuer": "seaweedfs-sts",
          "signingKey": "$signing"},
  "policy": {"defaultEffect": "Deny", "storeType": "memory"},
  "providers": [
    {"name": "keycloak", "type": "oidc", "enabled": true,
     "config": {"issuer": "$realm", "clientId": "$S3_CLIENT_ID",
                "jwksUri": "$realm/protocol/openid-connect/certs"}}
  ],
  "policies": [
    {"name": "management-data-read", "document": $(bucket_policy management-data)},
    {"name": "reader-data-read", "document": $(bucket_policy reader-data)}
  ],
  "roles": [
    {"roleName": "jupyter-management", "roleArn": "arn:aws:iam::role/jupyter-management",
     "attachedPolicies": ["management-data-read"], "maxSessionDuration": 43200,
     "trustPolicy": $(trust_policy keycloak management)},
    {"roleName": "jupyter-reader", "roleArn": "arn:aws:iam::role/jupyter-reader",
     "attachedPolicies": ["reader-data-read"], "maxSessionDuration": 43200,
     "trustPolicy": $(trust_policy keycloak reader)},
    {"roleName": "jupyter-untrusted", "roleArn": "arn:aws:iam::role/jupyter-untrusted",
     "attachedPolicies": ["reader-data-read"],
     "trustPolicy": $(trust_policy some-other-idp reader)}
  ]
}
EOF
  )
}

cmd_start() {
  [ -x "$WEED" ] || die "weed is not built: run scripts/seaweedfs.sh build"
  local pid
  pid="$(read_pid "$SW_PIDFILE")"
  if pid_alive "$pid"; then
    log "already running (pid $pid) at $S3_URL"
    return 0
  fi
  local p
  for p in $(seq "$SEAWEED_PORT" $((SEAWEED_PORT + 9))); do
    port_in_use "$p" && die "port $p is in use: set SEAWEED_PORT"
  done
  mkdir -p "$SW_DIR/data"
  chmod 700 "$SW_DIR"
  write_config
  local t0 P=$SEAWEED_PORT
  t0="$(now_s)"
  start_daemon "$SW_PIDFILE" "$SW_LOG" "$WEED" mini -dir="$SW_DIR/data" \
    -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -s3.port="$P" -s3.port.grpc=$((P + 1)) -master.port=$((P + 2)) -master.port.grpc=$((P + 3)) \
    -volume.port=$((P + 4)) -volume.port.grpc=$((P + 5)) -filer.port=$((P + 6)) \
    -filer.port.grpc=$((P + 7)) -admin.port=$((P + 8)) -admin.port.grpc=$((P + 9)) \
    -admin.port.legacy=0 -admin.ui=false -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.config="$SW_IAM" -s3.iam.config="$SW_IAM"
  pid="$(read_pid "$SW_PIDFILE")"
  if ! wait_http "$S3_URL/status" 120 "$pid"; then
    tail -n 40 "$SW_LOG" >&2 || true
    die "SeaweedFS did not start"
  fi
  log "running (pid $pid) at $S3_URL; started in $(elapsed "$t0")s"
}

# s3_admin METHOD PATH [curl args...]: a request signed (SigV4) with the admin identity's keys.
s3_admin() {
  local method=$1 path=$2 access secret
  shift 2
  read -r access secret _ <"$SW_ADMIN_KEYS"
  curl -sS -X "$method" --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access:$secret" \
    "$@" "$S3_URL$path"
}

cmd_seed() {
  cmd_status >/dev/null || die "SeaweedFS is not running at $S3_URL: run scripts/seaweedfs.sh start"
  local bucket body sha code
  for bucket in management-data reader-data nobody-data; do
    # 409: the bucket is there already (seed runs again)
    code="$(s3_admin PUT "/$bucket" -o /dev/null -w '%{http_code}' || true)"
    case "$code" in 200 | 409) ;; *) die "could not create bucket $bucket ($code)" ;; esac
    body="$(printf 'name,team\nalice,%s\nbob,%s' "$bucket" "$bucket")"
    # curl 7.88 signs the x-amz-* headers it is given but does not hash the payload itself.
    sha="$(printf '%s\n' "$body" | sha256sum | cut -d' ' -f1)"
    printf '%s\n' "$body" | s3_admin PUT "/$bucket/team.csv" -H "Content-Type: text/csv" \
      -H "x-amz-content-sha256: $sha" --data-binary @- -o /dev/null -f ||
      die "could not write $bucket/team.csv"
  done
  log "seeded buckets management-data, reader-data, nobody-data (each with team.csv)"
}

cmd_sts_check() {
  [ "$#" -ge 4 ] || die "usage: $0 sts-check USER PASSWORD ROLE BUCKET..."
  "$ROOT/.venv/bin/python" "$ROOT/demo/s3_check.py" --s3 "$S3_URL" \
    --keycloak-realm-url "$(kc_realm_url)" "$@" || die "object storage check failed"
}

cmd_stop() {
  stop_pidfile "$SW_PIDFILE" seaweedfs 30
  rm -rf "$SW_DIR/data"
}

cmd_status() {
  local pid
  pid="$(read_pid "$SW_PIDFILE")"
  if pid_alive "$pid" && [ "$(http_status "$S3_URL/status")" = 200 ]; then
    log "running (pid $pid) at $S3_URL"
  else
    log "not running"
    return 3
  fi
}

case "${1:-}" in
  build) cmd_build ;;
  seed) cmd_seed ;;
  sts-check)
    shift
    cmd_sts_check "$@"
    ;;
  start | stop | status) dispatch "$1" ;;
  *)
    echo "usage: $0 {build|start|seed|sts-check|stop|status}" >&2
    exit 2
    ;;
esac
