#!/usr/bin/env bash
# deps.sh installs what the build and the tests need beyond Go and Node:
# Debian's Chromium (browser tests), the brotli CLI (size measurement) and the
# npm packages pinned in package-lock.json (wrangler, workerd).
# It is idempotent: each step runs only when its result is missing or stale,
# and says what it does. `make deps` calls it; it works on a fresh Debian 12
# machine with Go, Node 20 and apt, as root or through sudo.
set -euo pipefail

cd "$(dirname "$0")/.."

say() { printf 'deps: %s\n' "$*"; }

# Root runs apt-get itself; anyone else goes through sudo, non-interactively so
# that a missing sudo rule fails at once instead of waiting for a password.
if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo -n)
else
	say "not root and no sudo: cannot install Debian packages" >&2
	exit 1
fi

apt_packages=()
if [ -x /usr/bin/chromium ]; then
	say "chromium: present ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
else
	# Recommends are left out (udev, upower, a notification daemon...), but
	# fonts-liberation is one of them, and screenshots need real fonts.
	say "chromium: missing, will install Debian packages chromium fonts-liberation"
	apt_packages+=(chromium fonts-liberation)
fi
if command -v brotli >/dev/null 2>&1; then
	say "brotli: present ($(command -v brotli))"
else
	say "brotli: missing, will install Debian package brotli"
	apt_packages+=(brotli)
fi
if [ "${#apt_packages[@]}" -gt 0 ]; then
	say "running apt-get update"
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
	say "running apt-get install -y --no-install-recommends ${apt_packages[*]}"
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${apt_packages[@]}"
fi

# npm ci deletes node_modules and installs exactly the lockfile, so run it only
# when node_modules is missing or older than the lockfile. npm ci rewrites
# node_modules/.package-lock.json, which is the mark of a finished install.
mark=node_modules/.package-lock.json
if [ ! -f "$mark" ]; then
	say "node_modules: missing, running npm ci"
	npm ci --no-audit --no-fund
elif [ package-lock.json -nt "$mark" ]; then
	say "node_modules: older than package-lock.json, running npm ci"
	npm ci --no-audit --no-fund
else
	say "node_modules: up to date with package-lock.json"
fi
say "done"
