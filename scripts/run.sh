#!/bin/sh
# Start OneWindow for a trial: SQLite under var/, the demo county, a worker and a production web server.
set -eu
VENV=${VENV:-.venv}
PORT=${PORT:-8000}
BIN="$VENV/bin"
mkdir -p var
# A per-installation secret, made once and kept out of the repository.
if [ ! -s var/secret_key ]; then
  "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
  chmod 600 var/secret_key
fi
export SECRET_KEY_FILE="$(pwd)/var/secret_key"
# The master key that encrypts the e-licence seal keys at rest, made once like the secret key.
[ -s var/seal_key ] || { "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(32))" > var/seal_key; chmod 600 var/seal_key; }
export ONEWINDOW_SEAL_KEY_FILE="$(pwd)/var/seal_key"
# The SM4 key of the encrypted personal fields and the HMAC-SM3 blind-index key, made once (docs/privacy.md).
[ -s var/pii_keys.json ] || { "$BIN/python" -c "import base64,json,os;print(json.dumps({'local1': base64.b64encode(os.urandom(16)).decode()}))" > var/pii_keys.json; chmod 600 var/pii_keys.json; }
[ -s var/pii_index_key ] || { "$BIN/python" -c "import secrets; print(secrets.token_urlsafe(32))" > var/pii_index_key; chmod 600 var/pii_index_key; }
export ONEWINDOW_PII_KEYS_FILE="$(pwd)/var/pii_keys.json"
export ONEWINDOW_PII_KEY_ID=${ONEWINDOW_PII_KEY_ID:-local1}
export ONEWINDOW_PII_INDEX_KEY_FILE="$(pwd)/var/pii_index_key"
# Plain http on this machine: cookies cannot be marked Secure here. Behind TLS, leave these unset.
export SESSION_COOKIE_SECURE=${SESSION_COOKIE_SECURE:-false}
export HTTPS_ONLY=${HTTPS_ONLY:-false}  # a local trial on plain http; production leaves it on
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost,[::1]}
"$BIN/onewindow" migrate --noinput
"$BIN/onewindow" demo
# One worker process: background tasks, the outbox (SMS, webhooks) and the supervision escalation sweep.
"$BIN/onewindow" worker --interval 0.25 > var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo
echo "OneWindow is running: http://127.0.0.1:$PORT/"
echo "Staff workbench: http://127.0.0.1:$PORT/staff/   Admin: http://127.0.0.1:$PORT/admin/"
"$BIN/onewindow" demo --logins
echo "Staff log in with two factors: after the password, type the code printed by"
echo "  $BIN/onewindow demo totp <username>     (or add the demo secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ to a TOTP app)"
echo "(worker log: var/worker.log; stop with Ctrl-C)"
"$BIN/gunicorn" onewindow.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --threads 4 \
  --access-logfile - --forwarded-allow-ips "127.0.0.1"
