#!/usr/bin/env bash
# moto's DynamoDB server (with TransactWriteItems) for the playground tests, pinned, in a Python virtual
# environment under .tools/moto (git-ignored). Idempotent: when the venv already has the pinned versions this
# takes a second. Needs python3 with venv; PyPI must be reachable the first time. boto3 (a dependency of moto)
# is pinned too: bench/seed-playground.py runs the seed's Python handler with it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${ROOT}/.tools/moto"
PINS="moto[server]==5.2.5 schemathesis==4.32.5 boto3==1.44.18"
STAMP="${VENV}/.pins"

echo "moto: venv ${VENV} ..."
if [ -x "${VENV}/bin/moto_server" ] && [ -x "${VENV}/bin/schemathesis" ] && [ "$(cat "${STAMP}" 2>/dev/null)" = "${PINS}" ]; then
  echo "moto: present (${PINS})."
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "moto: python3 is missing; run: sudo apt-get install -y python3 python3-venv" >&2
  exit 1
fi
if [ ! -x "${VENV}/bin/python" ]; then
  echo "moto: creating the venv ..."
  python3 -m venv "${VENV}" || {
    echo "moto: python3 -m venv failed; run: sudo apt-get install -y python3-venv" >&2
    exit 1
  }
fi
echo "moto: pip install ${PINS} ..."
# shellcheck disable=SC2086
"${VENV}/bin/python" -m pip install --quiet --disable-pip-version-check ${PINS}
echo "${PINS}" >"${STAMP}"
echo "moto: installed ($("${VENV}/bin/python" -c 'import moto; print("moto", moto.__version__)'))."
