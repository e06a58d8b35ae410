# Sourced by run-tests and run-vectors: creates or reuses the virtual environment at
# <repo>/target/py-venv, installs the pinned tools (skipped when present), and builds and
# installs the mailoauth package into it. Sets PY (the venv's python) and log().
MATURIN_VERSION=1.16.0
PYTEST_VERSION=9.2.0
MYPY_VERSION=2.4.1
# The token stores' optional extras, for their tests (mailoauth[redis], mailoauth[encryption]).
REDIS_PY_VERSION=8.2.0
CRYPTOGRAPHY_VERSION=50.0.2

log() { printf '==> %s\n' "$*"; }

# rustup's cargo (maturin needs it) is not on PATH in every non-login shell.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || { echo "cargo is not installed (rustup is expected)" >&2; exit 1; }

venv="$root/target/py-venv"
PY="$venv/bin/python"
mkdir -p "$root/target"

if [ ! -x "$PY" ] || ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
  base="${PYTHON:-$(command -v python3 || true)}"
  [ -n "$base" ] || { echo "python3 is not installed" >&2; exit 1; }
  log "python3 -m venv target/py-venv"
  rm -rf "$venv"
  if ! "$base" -m venv "$venv" 2>/dev/null; then
    # Debian's python3 needs the venv module as a separate package.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      log "apt-get install python3-venv"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv
      rm -rf "$venv"
      "$base" -m venv "$venv"
    else
      echo "cannot create a virtual environment: install python3-venv" >&2
      exit 1
    fi
  fi
fi

want=("maturin==$MATURIN_VERSION" "pytest==$PYTEST_VERSION" "mypy==$MYPY_VERSION"
      "redis==$REDIS_PY_VERSION" "cryptography==$CRYPTOGRAPHY_VERSION")
have="$("$PY" -m pip list --format=freeze --disable-pip-version-check 2>/dev/null || true)"
missing=()
for w in "${want[@]}"; do grep -qix "$w" <<<"$have" || missing+=("$w"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "pip install ${missing[*]}"
  "$PY" -m pip install -q --disable-pip-version-check "${missing[@]}"
fi

# maturin develop: a debug build, installed editable (the Python sources stay in place).
log "maturin develop (bindings-python)"
(cd "$root" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" \
  "$venv/bin/maturin" develop --quiet -m "$here/Cargo.toml" 2>&1 | grep -v '^\s*$' | tail -n 3)
"$PY" -c 'import mailoauth._native' || { echo "the mailoauth package did not install" >&2; exit 1; }
