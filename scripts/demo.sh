#!/usr/bin/env bash
# demo.sh is `make demo`: it compiles the demo command, saying what it does
# (the first run downloads the Go modules and compiles the standard library
# and them, minutes on a small machine; later runs take seconds), then runs
# it with the arguments given. The command builds the tag and starts lptest,
# the proxy and the shop, and says so; Ctrl-C stops it and exits 0.
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
# Where the command goes (tests put it elsewhere).
bin=${DEMO_BIN:-build/demo}

say() { printf 'demo: %s\n' "$*"; }

# On a terminal the package being compiled replaces itself on one line;
# elsewhere (a log) a line every 25 packages says how far it is.
if [ -t 1 ]; then tty=1; else tty=0; fi
say "compiling the demo command (go build -v ./examples/cmd/demo; the first run downloads and compiles everything)"
start=$SECONDS
n=0
# go build -v names each package as it compiles it, on stderr, as are
# "go: downloading" and errors: import paths count, the rest is shown.
set +e
"$GO" build -v -o "$bin" ./examples/cmd/demo 2>&1 | while IFS= read -r line; do
	case $line in
	"go: downloading "*)
		[ $tty = 1 ] && printf '\r\033[K'
		say "downloading ${line#go: downloading }" ;;
	*[!A-Za-z0-9._/~-]* | "")
		[ $tty = 1 ] && printf '\r\033[K'
		printf '%s\n' "$line" ;;
	*)
		n=$((n + 1))
		if [ $tty = 1 ]; then
			printf '\r\033[Kdemo: compiled %d packages (%s)' "$n" "$line"
		elif [ $((n % 25)) = 0 ]; then
			say "compiled $n packages ($line)"
		fi ;;
	esac
done
status=${PIPESTATUS[0]}
set -e
[ $tty = 1 ] && printf '\r\033[K'
if [ "$status" != 0 ]; then
	say "go build failed" >&2
	exit "$status"
fi
say "compiled in $((SECONDS - start))s"
exec "$bin" "$@"
