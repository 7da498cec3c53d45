#!/usr/bin/env bash
# Every public function of the library has an example in its documentation
# or links to one: a code block, a link to an `# Examples` heading
# (`[example](Type#examples)`), or a file under `examples/`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=$(git ls-files -- 'src/*.rs' ':!src/bin' | xargs awk '
    FNR == 1 { doc = "" }
    /^[[:space:]]*\/\/\// { doc = doc $0 "\n"; next }
    /^[[:space:]]*#\[/ { next }
    /^[[:space:]]*\/\/([^\/!]|$)/ { next }
    /^[[:space:]]*pub (const )?(unsafe )?fn / {
        if (doc !~ /```|#examples\)|`examples\//) {
            name = $0
            sub(/^[[:space:]]*/, "", name)
            sub(/[<(].*/, "", name)
            print FILENAME ":" FNR ": " name
        }
    }
    { doc = "" }
')
if [ -n "$missing" ]; then
    echo "$missing"
    echo "error: $(wc -l <<<"$missing") public functions above have no example and link to none" >&2
    exit 1
fi
echo "every public function has an example or links to one"
