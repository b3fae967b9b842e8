# Sourced by scripts/setup, scripts/lock and scripts/test-lowest (not run on its own): the uv
# they use, installed into a venv from the pin and hashes in requirements.lock, and the package
# index it reads. Expects the repository root as the working directory.

# The Python and platform the lock is for (Debian 12's Python 3.11 on 64-bit x86 Linux).
LOCK_PYTHON=3.11
LOCK_PLATFORM=x86_64-unknown-linux-gnu

# uv reads neither pip.conf nor PIP_* variables: give it pip's index and CA bundle, unless the
# caller set uv's own (UV_INDEX_URL / UV_DEFAULT_INDEX, SSL_CERT_FILE).
uv_env() {
  local python=$1 value
  if [ -z "${UV_INDEX_URL:-}${UV_DEFAULT_INDEX:-}" ]; then
    value=${PIP_INDEX_URL:-$("$python" -m pip config get global.index-url 2>/dev/null || true)}
    [ -z "$value" ] || export UV_DEFAULT_INDEX="$value"
  fi
  if [ -z "${SSL_CERT_FILE:-}" ]; then
    value=${PIP_CERT:-$("$python" -m pip config get global.cert 2>/dev/null || true)}
    [ -z "$value" ] || export SSL_CERT_FILE="$value"
  fi
  export UV_NO_PROGRESS=1
}

# ensure_uv VENV: installs the uv version pinned in requirements.lock into VENV with pip,
# checking the lock's hashes; without a lock (the very first scripts/lock), the newest uv.
# Sets UV to its path.
ensure_uv() {
  local venv=$1 pin stanza
  UV="$venv/bin/uv"
  pin=$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock 2>/dev/null || true)
  if [ -x "$UV" ] && { [ -z "$pin" ] || [ "$("$UV" --version | cut -d' ' -f2)" = "$pin" ]; }; then
    uv_env "$venv/bin/python"
    return
  fi
  echo "== pip install uv${pin:+==$pin} ($venv)"
  if [ -n "$pin" ]; then
    stanza=$(mktemp)
    # The uv entry of the lock: its pin line and the hash lines continued from it.
    awk '/^uv==/{p=1} p{print; if ($0 !~ /\\$/) exit}' requirements.lock >"$stanza"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r "$stanza"
    rm -f "$stanza"
  else
    "$venv/bin/python" -m pip install -q --disable-pip-version-check uv
  fi
  uv_env "$venv/bin/python"
}
