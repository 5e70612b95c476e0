#!/usr/bin/env bash
# Regenerates the README's pictures under docs/: the scaling small-multiples sheet of the pythia-style fixture, and the
# top of the demo's HTML score report as headless Chromium draws it. Installs Debian's chromium when it is missing.
# Usage: bash eng/make-docs-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v chromium >/dev/null; then
  as_root apt-get update -qq
  as_root apt-get install -y -qq chromium >/dev/null
fi

root="$PWD"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build src/LossEngine.Cli -c Release -v quiet --nologo >/dev/null
cli="dotnet src/LossEngine.Cli/bin/Release/net10.0/LossEngine.Cli.dll"
mkdir -p docs

fixtures=tests/LossEngine.Tests/Scaling/Fixtures/pythia-style
$cli scaling "$fixtures"/*.json --manifest "$fixtures/models.csv" --chance arc_easy=0.25 --chance winogrande=0.5 \
  --plots "$work/scaling" >/dev/null
cp "$work/scaling/scaling-small-multiples.png" docs/scaling-small-multiples.png

# Run from the work folder so that the page names the dump by a short relative path.
(cd "$work" && dotnet "$root/src/LossEngine.Cli/bin/Release/net10.0/LossEngine.Cli.dll" demo --out demo >/dev/null)
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 --user-data-dir="$work/profile" \
  --window-size=1400,1700 --screenshot="$PWD/docs/score-report.png" "file://$work/demo/demo-report.html" >/dev/null 2>&1
echo "docs/scaling-small-multiples.png, docs/score-report.png"
