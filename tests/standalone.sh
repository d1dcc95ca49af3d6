#!/bin/sh
# standalone: the repository stands alone. A user who clones it has nothing
# beside it, so no file of it may read or link the folder of shared notes the
# project was developed next to. Fails (exit 1), listing file:line, if any
# tracked file (git ls-files; every file but build trees if SRC is not the top
# of a git checkout) names it.
#   tests/standalone.sh [SRC]      check SRC (default: the tree this script is in)
#   tests/standalone.sh --self-test   prove the check can fail
set -u
# The pattern is assembled so that this file does not match it.
name='shar''ed'
pattern="\\.\\./$name([^A-Za-z0-9_-]|\$)|(^|[^A-Za-z0-9_.-])$name/(ocds-1|bench-peers|DESIGN\\.md|DOMAIN\\.md|STYLE\\.md|hooks/)"

if [ "${1:-}" = "--self-test" ]; then
    dir=$(mktemp -d) || exit 2
    trap 'rm -rf "$dir"' EXIT
    printf 'see ../%s\n' "$name" > "$dir/a.md"
    printf 'the validator in %s/ocds-1.1.5\n' "$name" > "$dir/b.c"
    printf 'a %s secret, shared_ptr, %s/other\n' "$name" "$name" > "$dir/c.md"
    out=$(sh "$0" "$dir") && { echo "standalone: self-test: a tree naming ../$name passed"; exit 1; }
    [ "$(printf '%s\n' "$out" | grep -c '^')" -eq 3 ] || { echo "standalone: self-test: expected 2 hits and a summary, got:"; echo "$out"; exit 1; }
    rm "$dir/a.md" "$dir/b.c"
    sh "$0" "$dir" >/dev/null || { echo "standalone: self-test: a clean tree failed"; exit 1; }
    echo "standalone: self-test ok"
    exit 0
fi

src=$(cd "${1:-$(dirname "$0")/..}" && pwd -P) || exit 2
top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null || true)
if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$src" ]; then
    hits=$(cd "$src" && git ls-files -z | xargs -0 grep -nIE -- "$pattern" 2>/dev/null)
else
    hits=$(cd "$src" && find . \( -name .git -o -name 'build*' \) -prune -o -type f -print0 |
           xargs -0 grep -nIE -- "$pattern" 2>/dev/null)
fi
if [ -n "$hits" ]; then
    printf '%s\n' "$hits"
    echo "standalone: these files name ../$name, which a clone of the repository does not have: copy what is needed into the repository"
    exit 1
fi
echo "standalone: no file names ../$name ($src)"
exit 0
