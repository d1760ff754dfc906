# Shared helpers for the build scripts. Sourced, not run.
# shellcheck shell=bash

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Installs the Debian packages that are missing; runs 'apt-get update' at most once per script.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  if [ -z "${APT_UPDATED:-}" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_dotnet() {
  command -v dotnet >/dev/null || die "the .NET SDK 10 is needed (dotnet on PATH); this machine has none"
}

# What publishing for the board needs: Debian's clang/lld cross toolchain and arm64 libc.
BUILD_PACKAGES=(clang lld gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross zlib1g-dev qemu-user-static)
# What the simulation needs: namespaces, veth, nftables.
SIM_PACKAGES=(iproute2 nftables curl procps)

# Builds out/linux-ARCH/appliance with NativeAOT; prints its size.
publish() {
  local arch=$1 rid="linux-$1" out="$REPO/out/linux-$1" extra=()
  if [ "$arch" = arm64 ] && [ "$(uname -m)" != aarch64 ]; then
    # Cross-compiling from x86_64: Debian's clang drives lld; SysRoot=/ because Debian's arm64
    # linker scripts name absolute paths under /usr/aarch64-linux-gnu.
    extra=(-p:CppCompilerAndLinker=clang -p:SysRoot=/ -p:LinkerFlavor=lld -p:ObjCopyName=aarch64-linux-gnu-objcopy)
  fi
  local rev; rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
  log "publishing $rid"
  dotnet publish "$REPO/firmware/Appliance.Host/Appliance.Host.csproj" -c Release -r "$rid" \
    -p:SourceRevisionId="$rev" -o "$out" --nologo -v quiet "${extra[@]}" >"$REPO/out/publish-$arch.log" 2>&1 \
    || { cat "$REPO/out/publish-$arch.log" >&2; echo "error: publish $rid failed" >&2; return 1; }
  rm -f "$out"/*.dbg
  printf '%s binary: %s (%s bytes)\n' "$rid" "$out/appliance" "$(stat -c %s "$out/appliance")"
}
