#!/usr/bin/env bash
# One-step setup on Debian/Ubuntu: system packages (apt) and the npm dependencies.
#   bash scripts/setup.sh          ffmpeg + npm deps: enough to run the daemon
#   bash scripts/setup.sh --test   also OBS Studio, Xvfb and Chromium, which the end-to-end tests drive
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(ffmpeg)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(obs-studio xvfb libgl1-mesa-dri x11-utils chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})) && command -v apt-get >/dev/null; then
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  echo "installing ${missing[*]} with apt-get"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
elif ((${#missing[@]})); then
  echo "please install: ${missing[*]} (no apt-get here; see README for macOS/Windows)" >&2
fi

# onnxruntime-node's postinstall downloads CUDA/TensorRT provider libraries from outside npm.
# Skip it by default (CPU and WebGPU are bundled); see README "GPU providers" to get CUDA.
export ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}"
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
