#!/usr/bin/env bash
# Every public function of the library has an example in its documentation
# or links to one: a code block, a link to an `# Examples` heading
# (`[example](Type#examples)`), or a file under `examples/`.
# With a rustdoc output directory (`target/doc/nsclone`) as its argument, it
# checks instead that every link to an `#examples` heading finds one.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 1 ]; then
    broken=0
    while IFS=: read -r page href; do
        target=${href%#examples}
        target=$(realpath -m "$(dirname "$page")/${target:-$(basename "$page")}")
        if ! grep -q 'id="examples"' "$target" 2>/dev/null; then
            echo "$page: $href: no # Examples heading there"
            broken=$((broken + 1))
        fi
    done < <(grep -roE 'href="[^"#]*#examples"' "$1" --include='*.html' | sed 's/href="//; s/"$//' | sort -u)
    if [ "$broken" -gt 0 ]; then
        echo "error: $broken links above point to no # Examples heading" >&2
        exit 1
    fi
    echo "every link to an example finds one"
    exit 0
fi

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
