#!/usr/bin/env bash
# Runs lossengine.distributed's tests (python/tests/test_distributed.py) on a local Dask cluster of two worker
# processes: reports equal to the CLI's over the same shards, a worker killed mid-shard, a bad shard. Installs Debian's
# python3-dask and python3-distributed when they are missing; reuses artifacts/native/liblossengine.so unless a source
# file is newer, and builds the CLI, which makes the reference reports.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

python=/usr/bin/python3
if ! "$python" -c 'import numpy, dask, distributed' 2>/dev/null; then
  apt-get update -qq
  apt-get install -y -qq python3-numpy python3-dask python3-distributed >/dev/null
fi

library="$PWD/artifacts/native/liblossengine.so"
sources=(src/LossEngine src/LossEngine.Native Directory.Build.props Directory.Packages.props)
if [ ! -f "$library" ] || [ -n "$(find "${sources[@]}" -newer "$library" -type f -print -quit)" ]; then
  echo "=== publishing liblossengine.so (NativeAOT)"
  dotnet publish src/LossEngine.Native -c Release -r linux-x64 -o artifacts/native -v quiet --nologo >/dev/null
else
  echo "=== reusing $library"
fi
dotnet build src/LossEngine.Cli -c Release -v quiet --nologo >/dev/null

# The CLI makes the reference reports at the shared library's vector width, so both take the same kernel path and
# agree to the last bit.
bits=$(cd python && LOSSENGINE_LIBRARY="$library" "$python" -c 'import lossengine; print(lossengine.vector_bits())')
case "$bits" in
  512) width_switch="" ;;
  256) width_switch="DOTNET_EnableAVX512=0" ;;
  128) width_switch="DOTNET_EnableAVX2=0" ;;
  *)   width_switch="DOTNET_EnableHWIntrinsic=0" ;;
esac
echo "(the shared library runs ${bits}-bit vectors; the CLI reports are made at the same width)"
export LOSSENGINE_LIBRARY="$library"
export LOSSENGINE_CLI="dotnet $PWD/src/LossEngine.Cli/bin/Release/net10.0/LossEngine.Cli.dll"
export LOSSENGINE_CLI_WIDTH="$width_switch"

echo "=== distributed tests (a LocalCluster of two worker processes)"
log=$(mktemp)
set +e
"$python" -m unittest discover -s python/tests -p 'test_distributed.py' -v >"$log" 2>&1
rc=$?
set -e
grep -E ' \.\.\. (ok|FAIL|ERROR|skipped)' "$log" || true
total=$(grep -Eo '^Ran [0-9]+' "$log" | grep -Eo '[0-9]+' || echo 0)
count() { grep -Eo "$1=[0-9]+" "$log" | grep -Eo '[0-9]+' || echo 0; }
skipped=$(count skipped)
failed=$(( $(count failures) + $(count errors) ))
if [ "$rc" -ne 0 ] || [ "$skipped" -ne 0 ]; then
  cat "$log"
  rm -f "$log"
  echo "distributed: $(( total - skipped - failed )) passed, $(( failed + skipped )) failed"
  exit 1
fi
rm -f "$log"
echo "distributed: ${total} passed, 0 failed"
