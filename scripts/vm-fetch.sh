#!/usr/bin/env bash
# Fetches what a VM of the VM tier boots: a Debian release's kernel and its
# static busybox (the payload the cases run), for one architecture, into a
# cache directory that later runs reuse. The releases the tier boots are
# its choice (scripts/test-vm.sh): Debian 12 (bookworm, 6.1) and Debian 11
# (bullseye, 5.10) for x86_64 and aarch64; Debian 13 (trixie, 6.12) for
# riscv64, which the older two lack. Downloads go through a private apt
# configuration under the cache, so the machine's own apt sources and
# architectures stay untouched. The archive is the mirror the machine's own
# apt sources name for its release (the mirror is the machine's choice).
# Only the suite's main archive (its last point release): the tests need a
# kernel of that series, not its latest security build.
# Usage: scripts/vm-fetch.sh x86_64|aarch64|riscv64 RELEASE CACHE_DIR
# Leaves CACHE_DIR/ARCH/RELEASE/kernel (bootable by qemu -kernel),
# .../busybox and .../kernel.version.
set -euo pipefail

usage='usage: scripts/vm-fetch.sh x86_64|aarch64|riscv64 RELEASE CACHE_DIR'
arch=${1:?$usage}
suite=${2:?$usage}
cache=${3:?$usage}
case "$arch" in
    x86_64) deb_arch=amd64 ;;
    aarch64) deb_arch=arm64 ;;
    riscv64) deb_arch=riscv64 ;;
    *)
        echo "unknown architecture '$arch' (x86_64, aarch64, riscv64)" >&2
        exit 2
        ;;
esac

out="$cache/$arch/$suite"
if [[ -s "$out/kernel" && -s "$out/busybox" && -s "$out/kernel.version" ]]; then
    echo "vm-fetch: $arch $suite: cached $(cat "$out/kernel.version")"
    exit 0
fi
# The machine's Debian archive: the URI its apt sources give its own release.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
mirror=$(apt-get indextargets --no-release-info --format '$(REPO_URI) $(RELEASE)' |
    awk -v release="$codename" '$2 == release { print $1; exit }')
[[ -n "$mirror" ]] || {
    echo "vm-fetch: no apt source for this machine's release '$codename' to take the archive from" >&2
    exit 1
}
mkdir -p "$out"
apt_dir=$(realpath "$cache")/apt-$deb_arch-$suite
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
cat >"$apt_dir/sources.list" <<SOURCES
deb [arch=$deb_arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main
SOURCES
apt_opts=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list"
    -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists"
    -o Dir::State::status=/dev/null
    -o "Dir::Cache=$apt_dir"
    -o "APT::Architecture=$deb_arch"
    -o "APT::Architectures::=$deb_arch"
    -o APT::Sandbox::User=root
    -q
)
apt-get "${apt_opts[@]}" update >/dev/null

# The kernel the architecture's meta package points at (the -unsigned
# build where a signed one exists, so the image is the plain kernel).
kernel_pkg=$(apt-cache "${apt_opts[@]}" depends "linux-image-$deb_arch" |
    sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
[[ -n "$kernel_pkg" ]] || {
    echo "vm-fetch: no kernel behind linux-image-$deb_arch in $suite" >&2
    exit 1
}
if [[ -n "$(apt-cache "${apt_opts[@]}" madison "$kernel_pkg-unsigned")" ]]; then
    kernel_pkg=$kernel_pkg-unsigned
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get "${apt_opts[@]}" download "$kernel_pkg" busybox-static >/dev/null)
dpkg-deb --fsys-tarfile "$work"/linux-image-*.deb | tar -x -C "$work" --wildcards './boot/vmlinu*'
dpkg-deb --fsys-tarfile "$work"/busybox-static_*.deb | tar -x -C "$work" --wildcards '*/busybox'
image=$(find "$work/boot" -name 'vmlinu*' | head -n1)
if [[ "$arch" == x86_64 ]]; then
    # The bzImage wraps an xz-compressed ELF vmlinux with a PVH entry note:
    # booting that directly skips a slow decompression under TCG.
    # (xz stops at the stream's end; tail then dies of SIGPIPE, unobserved.)
    offset=$(grep -abo -m1 $'\xfd7zXZ' "$image" | head -n1 | cut -d: -f1)
    xz -dc --single-stream < <(tail -c +$((offset + 1)) "$image") >"$out/kernel"
else
    cp "$image" "$out/kernel"
fi
cp "$(find "$work" -path '*bin/busybox' | head -n1)" "$out/busybox"
basename "$image" | sed 's/^vmlinu[xz]-//' >"$out/kernel.version"
echo "vm-fetch: $arch $suite: $kernel_pkg ($(cat "$out/kernel.version")), busybox-static from $suite"
