#!/usr/bin/env bash
# Strikeforge installer: everything `make install` does, in steps that are idempotent and fast when nothing changed.
#
#   tools/install.sh [all]      prerequisites, Python venv, npm packages, compiler and anvil registration
#   tools/install.sh check      prerequisites only (Python version, Node.js, npm)
#   tools/install.sh python     .venv from requirements.lock (exact pins, --no-deps) plus this project, editable
#   tools/install.sh node       node_modules from package-lock.json (npm ci), then verified against package.json
#   tools/install.sh system     Debian packages the tests need (redis-server, postgresql, chromium-headless-shell,
#                               softhsm2), via apt-get as root
#   tools/install.sh toolchain  solc (native if present, else the solc-js shim) and anvil registered in .venv
#
# Every failure is one line on stderr, `strikeforge: <what is missing>: <how to get it>`, and exit status 1.
# Environment: PYTHON (interpreter for the venv, default python3.11 if present else python3), VENV (default .venv).
set -euo pipefail

ROOT=${STRIKEFORGE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
VENV=${VENV:-$ROOT/.venv}
REQUIRED_PYTHON=3.11
REQUIRED_NODE_MAJOR=18

die() {
  printf 'strikeforge: %s\n' "$*" >&2
  exit 1
}

log() {
  [ -n "${STRIKEFORGE_QUIET:-}" ] || printf '==> %s\n' "$*" >&2
}

default_python() {
  if [ -n "${PYTHON:-}" ]; then
    printf '%s' "$PYTHON"
  elif command -v "python$REQUIRED_PYTHON" >/dev/null 2>&1; then
    printf 'python%s' "$REQUIRED_PYTHON"
  else
    printf 'python3'
  fi
}

sha() {
  cat "$@" | sha256sum | cut -d' ' -f1
}

check_python() {
  local py found
  py=$(default_python)
  command -v "$py" >/dev/null 2>&1 ||
    die "Python $REQUIRED_PYTHON is missing ('$py' not found): install it (apt-get install python$REQUIRED_PYTHON python$REQUIRED_PYTHON-venv, or pyenv install $REQUIRED_PYTHON) and run make install PYTHON=python$REQUIRED_PYTHON"
  found=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) ||
    die "Python $REQUIRED_PYTHON is missing ('$py' does not run): install it and run make install PYTHON=python$REQUIRED_PYTHON"
  [ "$found" = "$REQUIRED_PYTHON" ] ||
    die "Python $REQUIRED_PYTHON is missing ('$py' is Python $found; requirements.lock is pinned for $REQUIRED_PYTHON): install it (apt-get install python$REQUIRED_PYTHON python$REQUIRED_PYTHON-venv, or pyenv install $REQUIRED_PYTHON) and run make install PYTHON=python$REQUIRED_PYTHON"
  "$py" -c 'import venv, ensurepip' 2>/dev/null ||
    die "the Python venv module is missing for '$py': install it (apt-get install python$REQUIRED_PYTHON-venv) and run make install again"
}

check_node() {
  local major
  command -v node >/dev/null 2>&1 ||
    die "Node.js is missing (node not found on PATH): install Node.js >= $REQUIRED_NODE_MAJOR (apt-get install nodejs npm) and run make install again"
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) ||
    die "Node.js is missing (node does not run): install Node.js >= $REQUIRED_NODE_MAJOR and run make install again"
  [ "$major" -ge "$REQUIRED_NODE_MAJOR" ] ||
    die "Node.js >= $REQUIRED_NODE_MAJOR is missing (found $(node --version)): install a newer Node.js and run make install again"
  command -v npm >/dev/null 2>&1 ||
    die "npm is missing (npm not found on PATH): install it (apt-get install npm) and run make install again"
}

install_python() {
  check_python
  local stamp="$VENV/.strikeforge-lock" want py
  py=$(default_python)
  want=$(sha "$ROOT/requirements.lock" "$ROOT/pyproject.toml")-$("$py" -c 'import sys; print(sys.version.split()[0])')
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
    return 0
  fi
  log "creating $VENV from requirements.lock (exact pins)"
  [ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV" || die "could not create the virtual environment $VENV: install python$REQUIRED_PYTHON-venv and run make install again"
  local logfile="$VENV/pip-install.log"
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-deps -r "$ROOT/requirements.lock" >"$logfile" 2>&1; then
    die "Python packages from requirements.lock could not be installed ($(grep -m1 -E 'ERROR|error:' "$logfile" || echo "see $logfile")): check access to PyPI (pip config list) and run make install again"
  fi
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-deps --no-build-isolation -e "$ROOT" >>"$logfile" 2>&1 ||
    die "the strikeforge package could not be installed into $VENV (see $logfile): fix pyproject.toml and run make install again"
  "$VENV/bin/python" -m pip check >>"$logfile" 2>&1 ||
    die "requirements.lock is inconsistent ($(tail -n1 "$logfile")): regenerate it with make lock"
  printf '%s' "$want" >"$stamp"
}

# Every dependency in package.json must be in node_modules at the pinned version.
verify_node_modules() {
  node - "$ROOT" <<'EOF'
const fs = require("fs");
const path = require("path");
const root = process.argv[2];
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
for (const [name, want] of Object.entries(pkg.dependencies || {})) {
  const file = path.join(root, "node_modules", name, "package.json");
  let have = null;
  try { have = JSON.parse(fs.readFileSync(file, "utf8")).version; } catch {}
  if (have !== want) {
    const found = have === null ? "not installed" : `found ${have}`;
    console.log(`npm package ${name}@${want} is missing from node_modules (${found})`);
    process.exitCode = 1;
    break;
  }
}
EOF
}

install_node() {
  check_node
  local stamp="$ROOT/node_modules/.strikeforge-lock" want missing
  want=$(sha "$ROOT/package.json" "$ROOT/package-lock.json")
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && missing=$(verify_node_modules); then
    return 0
  fi
  log "installing npm packages from package-lock.json (npm ci)"
  local logfile="${TMPDIR:-/tmp}/strikeforge-npm-ci.$$.log"
  if ! (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >"$logfile" 2>&1); then
    die "npm packages from package-lock.json could not be installed ($(grep -m1 -E 'npm (error|ERR!)' "$logfile" | sed 's/^npm \(error\|ERR!\) //' || echo "see $logfile")): check access to the npm registry (npm config get registry) and run make install again"
  fi
  rm -f "$logfile"
  missing=$(verify_node_modules) || die "$missing after npm ci: add it to package.json and package-lock.json (npm install --save-exact NAME@VERSION) and run make install again"
  printf '%s' "$want" >"$stamp"
}

# Debian packages the test suite needs: redis-server (the fuzz campaign tests start a real Redis on loopback) and
# postgresql (the settlement tests run the sequencer on a throwaway PostgreSQL cluster as well as on SQLite).
have_postgres() {
  command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

have_softhsm() {
  # The PKCS#11 signer's tests sign in a real SoftHSM2 token: its module (libsofthsm2.so) and softhsm2-util.
  { command -v softhsm2-util >/dev/null 2>&1 || [ -x /usr/bin/softhsm2-util ]; } &&
    { [ -f /usr/lib/softhsm/libsofthsm2.so ] || compgen -G "/usr/lib/*/softhsm/libsofthsm2.so" >/dev/null; }
}

have_chromium() {
  # The audit report's HTML is rendered and checked in headless Chromium.
  command -v chromium-headless-shell >/dev/null 2>&1 || command -v chromium >/dev/null 2>&1
}

install_system() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  have_postgres || missing+=(postgresql)
  have_chromium || missing+=(chromium-headless-shell)
  have_softhsm || missing+=(softhsm2)
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${missing[*]} (Debian packages the tests use)"
    local logfile="${TMPDIR:-/tmp}/strikeforge-apt.$$.log"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}") \
      >"$logfile" 2>&1 ||
      die "${missing[*]} could not be installed (see $logfile): install them (apt-get install ${missing[*]}) and run make install again"
    rm -f "$logfile"
  else
    local what="${missing[*]} is missing: install it"
    [ "${#missing[@]}" -gt 1 ] && what="${missing[*]} are missing: install them"
    die "$what (sudo apt-get install ${missing[*]}, or your platform's packages) and run make install again"
  fi
}

install_toolchain() {
  [ -x "$VENV/bin/strikeforge" ] || die "the strikeforge command is missing from $VENV: run make install"
  local stamp="$VENV/.strikeforge-toolchain" want
  want=$(sha "$ROOT/ape-config.yaml" "$ROOT/package-lock.json" "$ROOT"/strikeforge/toolchain/*.py "$ROOT/strikeforge/toolchain/solc_shim.js")-$(command -v node)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/anvil" ] && [ -n "$(ls "$VENV"/solcx/solc-v* 2>/dev/null)" ]; then
    return 0
  fi
  "$VENV/bin/strikeforge" toolchain setup --root "$ROOT" --venv "$VENV"
  printf '%s' "$want" >"$stamp"
}

# A .venv that is a link into another checkout (a copy sharing an installed environment, as the walkthrough test
# makes) belongs to that checkout: registering this copy's paths into it (the anvil launcher, the solc shim) would
# break the owner once the copy is gone. The owner installs it.
if [ -L "$VENV" ] && [ "${1:-all}" != check ]; then
  log ".venv links to $(readlink -f "$VENV"): that checkout installs it; nothing to do here"
  exit 0
fi

case "${1:-all}" in
  check)
    check_python
    check_node
    ;;
  python) install_python ;;
  node) install_node ;;
  verify-node)
    check_node
    missing=$(verify_node_modules) || die "$missing: run make install (npm ci)"
    ;;
  toolchain) install_toolchain ;;
  system) install_system ;;
  all)
    check_python
    check_node
    install_system
    install_python
    install_node
    install_toolchain
    ;;
  *) die "unknown install step '$1': use one of all, check, python, node, verify-node, system, toolchain" ;;
esac
