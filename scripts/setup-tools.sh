#!/usr/bin/env bash
# Sets up what the tests need beyond node_modules, each step printing one progress line (npm run setup:tools;
# npm test runs it first). Idempotent and cached: a second run takes seconds.
#   1. prerequisites: Go (builds the Pulumi CLI) and Python 3 with venv (tools that live in a virtualenv);
#      missing -> stop at once printing the command to run.
#   2. ffmpeg and ffprobe (Tamma media tests): installed from Debian when running as root, else stop with the command.
#   3. the real Pulumi CLI and our Node.js language host, built from tools/pulumi-cli (version pinned in its go.mod)
#      once per version and source hash into the user's cache, with the dynamic-provider launcher beside them, and
#      linked into .tools/bin; skipped when a `pulumi` of the pinned version is already on PATH.
#   4. every tools/*/setup.sh (each is idempotent and caches under .tools/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BIN="$ROOT/.tools/bin"
MOD="$ROOT/tools/pulumi-cli"
started=$SECONDS

step() { printf '[setup:tools %3ss] %s\n' "$((SECONDS - started))" "$*"; }
stop() {
  printf '[setup:tools] STOP: %s\n' "$1" >&2
  printf '[setup:tools] run:  %s\n' "$2" >&2
  exit 1
}
is_root() { [ "$(id -u)" -eq 0 ]; }
sudo_prefix() { is_root || printf 'sudo '; }

# --- 1. prerequisites --------------------------------------------------------------------------------------------
step "1/4 prerequisites: go, python3 (venv)"
# Debian 12's golang-go is 1.19, too old: Go >= 1.21 is needed (it fetches the toolchain go.mod names by itself).
go_install="curl -fsSL https://go.dev/dl/go1.26.8.linux-amd64.tar.gz | $(sudo_prefix)tar -C /usr/local -xz && export PATH=\$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 ||
  stop "Go is not installed; it builds the Pulumi CLI for the engine tests" "$go_install"
go_minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
[ "${go_minor:-0}" -ge 21 ] 2>/dev/null ||
  stop "$(go env GOVERSION) is too old to build the Pulumi CLI (Go >= 1.21 needed)" "$go_install"
command -v python3 >/dev/null 2>&1 ||
  stop "Python 3 is not installed; the tools under tools/ keep their virtualenvs in .tools/" \
    "$(sudo_prefix)apt-get update && $(sudo_prefix)apt-get install -y python3 python3-venv"
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 ||
  stop "Python 3 has no venv/ensurepip module" "$(sudo_prefix)apt-get update && $(sudo_prefix)apt-get install -y python3-venv"
step "1/4 prerequisites: $(go version | awk '{print $3}'), $(python3 --version)"

# --- 2. ffmpeg ---------------------------------------------------------------------------------------------------
step "2/4 ffmpeg and ffprobe (Tamma media tests)"
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
  if is_root && command -v apt-get >/dev/null 2>&1; then
    step "2/4 ffmpeg missing: apt-get update && apt-get install -y ffmpeg"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
  else
    stop "ffmpeg/ffprobe are not installed and this is not root" "sudo apt-get update && sudo apt-get install -y ffmpeg"
  fi
fi
step "2/4 $(ffmpeg -version 2>/dev/null | head -1 | cut -d' ' -f1-3)"

# --- 3. Pulumi CLI + language host -------------------------------------------------------------------------------
version="$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" {print $2}' "$MOD/go.mod")"
[ -n "$version" ] || stop "tools/pulumi-cli/go.mod pins no github.com/pulumi/pulumi/pkg/v3" "git checkout tools/pulumi-cli/go.mod"
step "3/4 Pulumi CLI $version and Node.js language host -> .tools/bin"
mkdir -p "$BIN"
rm -f "$BIN/pulumi-resource-pulumi-nodejs" # lives beside the CLI (below), where the CLI looks first

# The binaries are kept per version and source hash in the user's cache (shared by every clone on this machine, so a
# fresh clone or CI costs seconds once one build exists) and linked into .tools/bin.
sources() { (cd "$MOD" && find . -type f \( \( -name '*.go' ! -name '*_test.go' \) -o -name go.mod -o -name go.sum \) | LC_ALL=C sort); }
hash="$(cd "$MOD" && sources | xargs sha256sum | sha256sum | cut -c1-16)"
CACHE="${AI_PLATFORM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ai-platform}/pulumi-cli/$version-$hash"

path_pulumi="$(PATH="${PATH//$BIN:/}" command -v pulumi || true)"
if [ -n "$path_pulumi" ] && [ "$("$path_pulumi" version 2>/dev/null)" = "$version" ] &&
  [ -n "$(PATH="${PATH//$BIN:/}" command -v pulumi-language-nodejs || true)" ]; then
  rm -f "$BIN/pulumi" "$BIN/pulumi-language-nodejs"
  step "3/4 using $path_pulumi ($version) already on PATH"
else
  if [ -x "$CACHE/pulumi" ] && [ -x "$CACHE/pulumi-language-nodejs" ]; then
    step "3/4 cached build: $CACHE"
  else
    tmp="$CACHE.tmp.$$"
    mkdir -p "$tmp"
    step "3/4 pulumi: go build (first time: downloads the modules and compiles, a few minutes)"
    (cd "$MOD" && CGO_ENABLED=0 go build -o "$tmp/pulumi" \
      -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    step "3/4 pulumi-language-nodejs: go build"
    (cd "$MOD" && CGO_ENABLED=0 go build -o "$tmp/pulumi-language-nodejs" -ldflags "-X main.version=${version#v}" \
      ./language-nodejs)
    rm -rf "$CACHE"
    mv "$tmp" "$CACHE"
  fi
  # The CLI looks for plugins beside its own (resolved) path and warns when PATH has another copy: the launcher
  # lives only there.
  install -m 0755 "$MOD/launchers/pulumi-resource-pulumi-nodejs" "$CACHE/pulumi-resource-pulumi-nodejs"
  ln -sfn "$CACHE/pulumi" "$BIN/pulumi"
  ln -sfn "$CACHE/pulumi-language-nodejs" "$BIN/pulumi-language-nodejs"
  got="$("$BIN/pulumi" version)"
  [ "$got" = "$version" ] || stop ".tools/bin/pulumi reports '$got', expected $version" "rm -rf '$CACHE' && npm run setup:tools"
  step "3/4 .tools/bin/pulumi $got"
fi

# --- 4. tools/*/setup.sh -----------------------------------------------------------------------------------------
shopt -s nullglob
scripts=(tools/*/setup.sh)
step "4/4 ${#scripts[@]} tool setup script(s): ${scripts[*]:-none}"
for s in "${scripts[@]}"; do
  step "4/4 $s"
  bash "$s"
done
step "done"
