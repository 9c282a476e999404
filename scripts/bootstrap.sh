#!/usr/bin/env bash
# Installs what this project needs and is missing, on Debian 12 as root (or with sudo):
# system packages, pnpm, and the workspace dependencies. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Native builds (node-gyp), the Python client's tests, Redis for the distributed-mode tests,
# Debian's faiss and OpenBLAS for the ANN index.
APT_PACKAGES=(build-essential python3 redis-server libfaiss-dev libopenblas-dev)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null 2>&1; then
  echo "bootstrap: Node.js >= 20.19 is required (https://nodejs.org); Debian 12's own nodejs package is too old" >&2
  exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`bootstrap: Node.js >= 20.19 is required, found ${process.versions.node}`); process.exit(1) }'

if ! command -v pnpm >/dev/null 2>&1; then
  echo "bootstrap: installing pnpm 10"
  npm install -g pnpm@10 --silent
fi

pnpm install --frozen-lockfile --reporter=append-only | tail -n 3
