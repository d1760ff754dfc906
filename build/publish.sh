#!/usr/bin/env bash
# Builds the NativeAOT executable for the board (linux-arm64) and for development (linux-x64):
#   build/publish.sh [x64|arm64|all]     (default: all)
# Writes out/linux-x64/appliance and out/linux-arm64/appliance and prints their sizes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_dotnet
ensure_packages "${BUILD_PACKAGES[@]}"
mkdir -p "$REPO/out"
case "${1:-all}" in
  x64) publish x64 || exit 1 ;;
  arm64) publish arm64 || exit 1 ;;
  all) publish x64 && publish arm64 || exit 1 ;;
  *) die "usage: build/publish.sh [x64|arm64|all]" ;;
esac
