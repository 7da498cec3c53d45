#!/usr/bin/env bash
# Runs every example and checks what it shows: the namespaces demo, the
# sandbox (pid 1, root, its own hostname and network), a join into the
# sandbox's namespaces by pidfd, and the container (its own root, no
# capabilities, no new privileges, a seccomp filter). Needs root or
# unprivileged user namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q --examples --features std
examples=${CARGO_TARGET_DIR:-target}/debug/examples

# expect WHAT GOT WANT: fails loudly when an example shows something else.
expect() {
    if [[ "$2" != "$3" ]]; then
        echo "example $1: got '$2', wanted '$3'" >&2
        exit 1
    fi
    echo "example $1: ok ($2)"
}

inside=$("$examples/namespaces" | grep -c '^  inside: pid 1 ')
expect namespaces "$inside" 1

seen=$("$examples/sandbox" sh -c 'echo $$ $(id -u) $(cat /proc/sys/kernel/hostname) $(tail -n +3 /proc/net/dev | wc -l)')
expect sandbox "$seen" "1 0 sandbox 1"

seen=$("$examples/container" sh -c 'echo $$ $(hostname) $(id -u) $(ls / | tr "\n" " ")$(grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t\n") $(touch /usr/x 2>/dev/null || echo read-only)')
root=$(for name in $(ls /); do case $name in usr | bin | sbin | lib*) echo "$name" ;; esac; done)
wanted="1 container 0 $(printf '%s\n' $root proc dev | sort | tr '\n' ' ')CapEff:0000000000000000NoNewPrivs:1Seccomp:2 read-only"
expect container "$seen" "$wanted"

# A sandbox to join: its `sleep` is the process whose namespaces we enter.
"$examples/sandbox" sleep 30 &
holder=$!
trap 'kill $holder 2>/dev/null || true' EXIT
target=""
for _ in $(seq 100); do
    target=$(pgrep -P "$holder" -x sleep || true)
    [[ -n "$target" ]] && break
    sleep 0.05
done
[[ -n "$target" ]] || { echo "example join: the sandbox did not start" >&2; exit 1; }
joined=$("$examples/join" "$target" -- sh -c 'echo $(cat /proc/sys/kernel/hostname) $(id -u)')
expect join "$joined" "sandbox 0"
# The sandbox's program, its PID 1, ends with it (its parent-death signal).
kill "$holder"
wait "$holder" 2>/dev/null || true
for _ in $(seq 100); do
    kill -0 "$target" 2>/dev/null || break
    sleep 0.05
done
gone=$(kill -0 "$target" 2>/dev/null && echo "still running" || echo gone)
expect sandbox-killed "$gone" gone
