#!/usr/bin/env bash
# moto's DynamoDB server (with TransactWriteItems) for the playground tests, schemathesis for the API fuzzing, and
# boto3 (a dependency of moto, which bench/seed-playground.py runs the seed's Python handler with), pinned, in a
# Python virtual environment. The venv is kept once per pin set and Python in the user's cache (shared by every
# clone on this machine, like the Pulumi CLI build: a second clone links it in well under a second) and
# `.tools/moto` (git-ignored) is a link to it. Idempotent. Needs python3 with venv; PyPI must be reachable the
# first time on a machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${ROOT}/.tools/moto"
PINS="moto[server]==5.2.5 schemathesis==4.32.5 boto3==1.44.18"

# A usable venv has the two programs and the pins it was made with.
ready() {
  [ -x "$1/bin/moto_server" ] && [ -x "$1/bin/schemathesis" ] && [ "$(cat "$1/.pins" 2>/dev/null)" = "${PINS}" ]
}

echo "moto: venv ${VENV} ..."
if ready "${VENV}"; then
  echo "moto: present (${PINS})."
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "moto: python3 is missing; run: sudo apt-get install -y python3 python3-venv" >&2
  exit 1
fi

# One cached venv per pin set and interpreter (a venv is tied to the Python that made it and to its own path).
python_id="$(python3 -c 'import sys; print(sys.version); print(sys.executable)')"
key="$(printf '%s\n%s\n' "${PINS}" "${python_id}" | sha256sum | cut -c1-16)"
CACHE="${AI_PLATFORM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-platform}/moto/${key}"

if ready "${CACHE}"; then
  echo "moto: cached venv ${CACHE}"
else
  # A venv cannot be moved after it is made, so it is built in place; a partial one from an interrupted run is
  # removed first, and the pins are stamped only once everything installed.
  rm -rf "${CACHE}"
  mkdir -p "$(dirname "${CACHE}")"
  echo "moto: creating the venv in ${CACHE} ..."
  python3 -m venv "${CACHE}" || {
    rm -rf "${CACHE}"
    echo "moto: python3 -m venv failed; run: sudo apt-get install -y python3-venv" >&2
    exit 1
  }
  echo "moto: pip install ${PINS} ..."
  # shellcheck disable=SC2086
  "${CACHE}/bin/python" -m pip install --quiet --disable-pip-version-check ${PINS}
  echo "${PINS}" >"${CACHE}/.pins"
fi

mkdir -p "$(dirname "${VENV}")"
# An older layout kept a real venv here; replace it (or a stale link) with the link to the cached one.
rm -rf "${VENV}"
ln -sfn "${CACHE}" "${VENV}"
ready "${VENV}" || {
  echo "moto: ${VENV} is not usable after setup; run: rm -rf '${CACHE}' && bash tools/moto/setup.sh" >&2
  exit 1
}
echo "moto: ready ($("${VENV}/bin/python" -c 'import moto; print("moto", moto.__version__)'), ${CACHE})."
