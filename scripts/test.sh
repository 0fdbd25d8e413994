#!/usr/bin/env bash
# Run every test of jupyterlab-vault-jwt, installing what is missing first:
# lint and format checks, jest, pytest (unit), the packaging check, then a
# real OpenBao dev server (scripts/openbao.sh, seeded by demo/openbao_seed.py)
# for the OpenBao integration tests, the adversarial route suite and galata
# against plain JupyterLab, then
# the real stack (Keycloak + JupyterHub + configurable-http-proxy on loopback)
# for the sign-in tests (tests/signin, ui-tests/tests/signin: device flow at
# Keycloak, no hub), the integration tests and the galata login-through-Keycloak test.
# SeaweedFS (scripts/seaweedfs.sh: S3 + an STS trusting that Keycloak) is built from source in the
# background from the start (niced; skipped when .cache/seaweedfs holds the binary) and started,
# seeded, for the object storage tests (tests/s3) once Keycloak runs, and kept running for the hub,
# whose servers then get S3 credentials (HUB_S3_ENDPOINT; ui-tests/tests/hub/s3.spec.ts).
# Servers started here are stopped at the end. Prints one closing line:
# "tests: N passed, N failed".
#
# Exported for the OpenBao and UI tests (set once OpenBao runs):
#   OPENBAO_ADDR              http://127.0.0.1:18200
#   OPENBAO_ROOT_TOKEN_FILE   $STACK_DIR/openbao/root_token
#   UI_JWT_PRIVATE_KEY_FILE   a throw-away RSA key (0600) whose public half OpenBao's auth/jwt-test
#                             trusts; UI tests sign their id_tokens with it
#   UI_JWT_ISSUER             https://ui-tests.invalid (bound_issuer of auth/jwt-test)
# VAULT_* / BAO_* are unset for every suite; only the hub (and so its single-user servers)
# gets VAULT_ADDR, pointing at this OpenBao, whose auth/jwt trusts the test Keycloak.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

scripts/setup.sh || { echo "setup failed"; exit 1; }
export PATH="$ROOT/.venv/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

LOGS="$ROOT/.cache/test-logs"
mkdir -p "$LOGS"
# The SeaweedFS build (minutes of CPU) overlaps the suites below; its own process group, so the
# exit trap can stop all of it (go spawns compilers).
# TEST_ONLY (for development; CI leaves it unset): suite names, space or comma separated; only
# those run, and only the servers they need start. UI_GREP narrows the galata suites to the tests
# whose titles match it (playwright --grep).
selected() { [ -z "${TEST_ONLY:-}" ] || [[ " ${TEST_ONLY//,/ } " == *" $1 "* ]]; }
any_selected() {
  local suite
  for suite in "$@"; do selected "$suite" && return 0; done
  return 1
}
SEAWEED_BUILD_PID=""
if any_selected pytest-s3 pytest-integration ui-hub; then
  setsid nice -n 10 scripts/seaweedfs.sh build >"$LOGS/seaweedfs-build.log" 2>&1 &
  SEAWEED_BUILD_PID=$!
fi

# The test stack uses its own ports and state, apart from the demo's.
export STACK_DIR="$ROOT/.stack/test"
# TEST_PORT_OFFSET (default 0) moves every port of the run, so two checkouts can test at once.
OFF="${TEST_PORT_OFFSET:-0}"
export KC_PORT=$((18080 + OFF)) HUB_PORT=$((18000 + OFF))
export UI_LAB_PORT=$((18888 + OFF)) UI_FAULT_PROXY_PORT=$((18631 + OFF)) UI_SIGNIN_PORT=$((18890 + OFF))
export KC_URL="http://127.0.0.1:$KC_PORT" HUB_URL="http://127.0.0.1:$HUB_PORT"
# Short-lived tokens, so the tests see refreshes: id_tokens live 60 s, the hub refreshes them
# when they expire within 45 s and re-checks at most every 10 s.
export KC_TOKEN_LIFESPAN="${KC_TOKEN_LIFESPAN:-60}"
export HUB_REFRESH_LEAD_SECONDS=45 HUB_AUTH_REFRESH_AGE=10
# Short Vault tokens too (openbao_seed.py's role jupyter): the end-to-end tests see renewals and
# new logins. The single-user servers log at DEBUG (the token-hygiene check reads those logs)
# and expose window.jupyterapp to the browser tests.
export BAO_TOKEN_TTL=2m BAO_TOKEN_MAX_TTL=10m HUB_SINGLEUSER_TESTING=1
# The hub runs a second id_token service that allows access tokens (on HUB_PORT+83), beside the
# main one that does not (demo/jupyterhub_config.py): the integration tests check both.
export HUB_TEST_ACCESS_TOKEN_SERVICE=1
# OpenBao for the tests; the unit suites must not see a Vault address (or token) of the caller.
export BAO_PORT=$((18200 + OFF))
export OPENBAO_ADDR="http://127.0.0.1:$BAO_PORT"
export OPENBAO_ROOT_TOKEN_FILE="$STACK_DIR/openbao/root_token"
export UI_JWT_ISSUER="https://ui-tests.invalid"
# SeaweedFS (S3 and STS on one port, 9 more ports above it) for tests/s3.
export SEAWEED_PORT=$((18300 + OFF))
export S3_ENDPOINT="http://127.0.0.1:$SEAWEED_PORT"
unset VAULT_ADDR VAULT_TOKEN VAULT_NAMESPACE VAULT_CACERT VAULT_CAPATH VAULT_SKIP_VERIFY
unset BAO_ADDR BAO_TOKEN BAO_NAMESPACE BAO_CACERT BAO_CAPATH BAO_SKIP_VERIFY
# Object storage reaches the hub only from the SeaweedFS this run starts (below).
unset HUB_S3_ENDPOINT
# Fresh state for every run (before anything runs from it).
scripts/openbao.sh stop >/dev/null 2>&1 || true
scripts/hub.sh stop >/dev/null 2>&1 || true
scripts/keycloak.sh stop >/dev/null 2>&1 || true
scripts/seaweedfs.sh stop >/dev/null 2>&1 || true
rm -rf "$STACK_DIR"
passed=0
failed=0
failed_suites=()

# run_suite NAME KIND COMMAND... : KIND tells how to count tests in its output.
run_suite() {
  selected "$1" || return 0
  local name=$1 kind=$2
  shift 2
  printf '\n== %s\n' "$name"
  local log="$LOGS/$name.log" rc p f
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  case "$kind" in
    jest) p=$(grep -oE 'Tests: .*' "$log" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' | tail -1)
          f=$(grep -oE 'Tests: .*' "$log" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' | tail -1) ;;
    pytest) line=$(grep -E '[0-9]+ (passed|failed|errors?)' "$log" | tail -1)
          p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')
          f=$(grep -oE '[0-9]+ (failed|errors?)' <<<"$line" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}') ;;
    playwright)
          p=$(grep -E '^ +[0-9]+ passed' "$log" | grep -oE '[0-9]+' | head -1)
          f=$(grep -E '^ +[0-9]+ (failed|flaky)' "$log" | grep -oE '^ +[0-9]+' | awk '{s+=$1} END {print s+0}') ;;
    *)    if [ "$rc" = 0 ]; then p=1; f=0; else p=0; f=1; fi ;;
  esac
  p=${p:-0}
  f=${f:-0}
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" != 0 ]; then failed_suites+=("$name"); fi
}

stop_stack() {
  if [ -n "$SEAWEED_BUILD_PID" ] && kill -0 "$SEAWEED_BUILD_PID" 2>/dev/null; then
    kill -- "-$SEAWEED_BUILD_PID" 2>/dev/null || true
  fi
  scripts/seaweedfs.sh stop >/dev/null 2>&1 || true
  scripts/hub.sh stop >/dev/null 2>&1 || true
  scripts/keycloak.sh stop >/dev/null 2>&1 || true
  scripts/openbao.sh stop >/dev/null 2>&1 || true
}
trap stop_stack EXIT

# finish: stop the servers, print the closing line; the exit status says whether all passed.
finish() {
  stop_stack
  echo
  if [ "${#failed_suites[@]}" -gt 0 ]; then
    echo "failed suites: ${failed_suites[*]} (logs in $LOGS)"
  fi
  echo "tests: $passed passed, $failed failed"
  [ "${#failed_suites[@]}" = 0 ]
  exit
}

# start_openbao: start OpenBao, make the UI tests' RSA key pair, seed it with auth/jwt-test
# trusting that key (Keycloak is not running yet: no auth/jwt here, see seed_openbao_keycloak).
start_openbao() {
  local dir="$STACK_DIR/openbao"
  scripts/openbao.sh start || return 1
  export UI_JWT_PRIVATE_KEY_FILE="$dir/ui-jwt-private.pem"
  export OPENBAO_TEST_PUBKEY="$dir/ui-jwt-public.pem"
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$UI_JWT_PRIVATE_KEY_FILE" 2>/dev/null) || return 1
  chmod 600 "$UI_JWT_PRIVATE_KEY_FILE"
  openssl pkey -in "$UI_JWT_PRIVATE_KEY_FILE" -pubout -out "$OPENBAO_TEST_PUBKEY" || return 1
  KC_URL="" OPENBAO_TEST_ISSUER="$UI_JWT_ISSUER" scripts/openbao.sh seed
}

# seed_openbao_keycloak: once Keycloak answers, make auth/jwt trust its realm too.
seed_openbao_keycloak() {
  OPENBAO_TEST_ISSUER="$UI_JWT_ISSUER" scripts/openbao.sh seed
}

run_suite lint-ts check npm run --silent lint:check
run_suite lint-py check bash -c 'ruff check . && ruff format --check .'
run_suite lint-sh check bash -c 'if command -v shellcheck >/dev/null; then shellcheck scripts/*.sh .ci/run; else bash -n scripts/*.sh; fi'
run_suite jest jest npx jest --ci
run_suite pytest-unit pytest python -m pytest jupyter_extension_server/tests -q -p no:cacheprovider
run_suite packaging check bash -c '
  jupyter server extension list 2>&1 | tee /dev/stderr | grep -E "jupyter_extension_server .*OK" &&
  jupyter labextension list 2>&1 | tee /dev/stderr | grep -E "jupyterlab-vault-jwt .*enabled.*OK" &&
  python scripts/check_licenses.py'

# step_failed NAME: a step that is not a suite (starting a server) failed: one failure.
step_failed() {
  failed=$((failed + 1))
  failed_suites+=("$1")
}

if ! any_selected pytest-openbao pytest-adversarial pytest-redaction ui-lab pytest-signin \
  ui-signin pytest-s3 pytest-integration ui-hub; then
  finish
fi

printf '\n== start OpenBao (dev server, seeded)\n'
openbao_ok=0
if start_openbao; then openbao_ok=1; else step_failed openbao; fi
run_suite pytest-openbao pytest python -m pytest tests/openbao -q -p no:cacheprovider
run_suite pytest-adversarial pytest python -m pytest tests/adversarial -q -p no:cacheprovider
run_suite pytest-redaction pytest python -m pytest tests/redaction -q -p no:cacheprovider
run_suite ui-lab playwright bash -c 'cd ui-tests && npx playwright test --config playwright.config.js ${UI_GREP:+--grep "$UI_GREP"}'

if ! any_selected pytest-signin ui-signin pytest-s3 pytest-integration ui-hub; then
  :
elif printf '\n== start the real stack (Keycloak, JupyterHub)\n' && scripts/keycloak.sh start; then
  if [ "$openbao_ok" = 1 ] && ! seed_openbao_keycloak; then step_failed openbao-keycloak; fi
  # Sign-in from the panel without a hub (device flow at this Keycloak; Vault at auth/jwt).
  run_suite pytest-signin pytest python -m pytest tests/signin -q -p no:cacheprovider
  run_suite ui-signin playwright bash -c 'cd ui-tests && npx playwright test --config playwright.signin.config.js ${UI_GREP:+--grep "$UI_GREP"}'
  # Object storage: the background build must be done; SeaweedFS's STS trusts this Keycloak.
  if ! any_selected pytest-s3 pytest-integration ui-hub; then
    :
  elif printf '\n== start SeaweedFS (S3 + STS, seeded)\n' && wait "$SEAWEED_BUILD_PID" &&
    scripts/seaweedfs.sh start && scripts/seaweedfs.sh seed; then
    run_suite pytest-s3 pytest python -m pytest tests/s3 -q -p no:cacheprovider
    # It keeps running for the hub stage (stopped after it): demo/jupyterhub_config.py gives each
    # server the STS endpoint and its user's role (the ui-hub object storage tests; they skip
    # without it, after the failure counted here), and alice's server assumes a role there with
    # the access token the hub's second id_token service hands out
    # (tests/integration/test_access_token_hub.py).
    export HUB_S3_ENDPOINT="$S3_ENDPOINT"
  else
    tail -n 30 "$LOGS/seaweedfs-build.log"
    step_failed seaweedfs
    scripts/seaweedfs.sh stop || true
  fi
  # The hub passes VAULT_ADDR on to the single-user servers (env_keep in
  # demo/jupyterhub_config.py, which also gives them --VaultSession.role=jupyter): they log in
  # at auth/jwt, which trusts this Keycloak.
  if ! any_selected pytest-integration ui-hub; then
    :
  elif VAULT_ADDR="$OPENBAO_ADDR" scripts/hub.sh start; then
    run_suite pytest-integration pytest python -m pytest tests/integration -q -p no:cacheprovider
    run_suite ui-hub playwright bash -c 'cd ui-tests && npx playwright test --config playwright.hub.config.js ${UI_GREP:+--grep "$UI_GREP"}'
    scripts/seaweedfs.sh stop || true
  else
    step_failed stack
  fi
else
  step_failed stack
fi
finish
