#!/usr/bin/env bash
# What the embedded default needs on a Debian or Ubuntu runner: QEMU to run
# the Xen host, mmdebstrap and e2fsprogs to build its disk, xorriso for a
# cloud image's NoCloud seed, OpenSSH to reach it, dpkg-deb and rpm to read candidate
# packages, sudo (a test runs the action as a user with passwordless sudo,
# as GitHub's runner user is), the decompressors an initramfs may need (it is read on the runner;
# gzip needs none) and cpio, which the tests make initramfs images with; then
# the npm dependencies (--host-tools-only: not those; the reusable workflow
# runs the bundled action).
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
  qemu-system-x86 qemu-utils ipxe-qemu seabios \
  mmdebstrap debian-archive-keyring gpg e2fsprogs fdisk xorriso \
  openssh-client dpkg-dev rpm ca-certificates sudo \
  zstd xz-utils lz4 bzip2 cpio
[ "${1:-}" = --host-tools-only ] || npm ci --no-audit --no-fund
