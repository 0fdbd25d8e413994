#!/usr/bin/env bash
# Run every test of jupyterlab-vault-jwt, installing what is missing first:
# lint and format checks, jest, pytest (unit), the packaging check, galata
# against plain JupyterLab, then the real stack (Keycloak + JupyterHub +
# configurable-http-proxy on loopback) for the integration tests and the
# galata login-through-Keycloak test. Servers started here are stopped at the
# end. Prints one closing line: "tests: N passed, N failed".
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

scripts/setup.sh || { echo "setup failed"; exit 1; }
export PATH="$ROOT/.venv/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# The test stack uses its own ports and state, apart from the demo's.
export STACK_DIR="$ROOT/.stack/test"
export KC_PORT=18080 HUB_PORT=18000
export KC_URL="http://127.0.0.1:$KC_PORT" HUB_URL="http://127.0.0.1:$HUB_PORT"
# Short-lived tokens, so the tests see refreshes: id_tokens live 60 s, the hub refreshes them
# when they expire within 45 s and re-checks at most every 10 s.
export KC_TOKEN_LIFESPAN="${KC_TOKEN_LIFESPAN:-60}"
export HUB_REFRESH_LEAD_SECONDS=45 HUB_AUTH_REFRESH_AGE=10

LOGS="$ROOT/.cache/test-logs"
mkdir -p "$LOGS"
passed=0
failed=0
failed_suites=()

# run_suite NAME KIND COMMAND... : KIND tells how to count tests in its output.
run_suite() {
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
  scripts/hub.sh stop >/dev/null 2>&1 || true
  scripts/keycloak.sh stop >/dev/null 2>&1 || true
}
trap stop_stack EXIT

run_suite lint-ts check npm run --silent lint:check
run_suite lint-py check bash -c 'ruff check . && ruff format --check .'
run_suite lint-sh check bash -c 'if command -v shellcheck >/dev/null; then shellcheck scripts/*.sh .ci/run; else bash -n scripts/*.sh; fi'
run_suite jest jest npx jest --ci
run_suite pytest-unit pytest python -m pytest jupyter_extension_server/tests -q -p no:cacheprovider
run_suite packaging check bash -c '
  jupyter server extension list 2>&1 | tee /dev/stderr | grep -E "jupyter_extension_server .*OK" &&
  jupyter labextension list 2>&1 | tee /dev/stderr | grep -E "jupyterlab-vault-jwt .*enabled.*OK"'
run_suite ui-lab playwright bash -c 'cd ui-tests && npx playwright test --config playwright.config.js'

printf '\n== start the real stack (Keycloak, JupyterHub)\n'
rm -rf "$STACK_DIR"
if scripts/keycloak.sh start && scripts/hub.sh start; then
  run_suite pytest-integration pytest python -m pytest tests/integration -q -p no:cacheprovider
  run_suite ui-hub playwright bash -c 'cd ui-tests && npx playwright test --config playwright.hub.config.js'
else
  failed=$((failed + 1))
  failed_suites+=("stack")
fi
stop_stack

echo
if [ "${#failed_suites[@]}" -gt 0 ]; then
  echo "failed suites: ${failed_suites[*]} (logs in $LOGS)"
fi
echo "tests: $passed passed, $failed failed"
[ "${#failed_suites[@]}" = 0 ]
