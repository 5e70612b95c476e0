#!/usr/bin/env bash
# Ships LossEngine as users install it and checks every package from the outside:
#   - `dotnet format --verify-no-changes` (the .editorconfig's rules), and the README's speed table against the results;
#   - `dotnet pack` of LossEngine, LossEngine.Cli and LossEngine.Native into artifacts/packages, and their contents
#     (license, README, repository commit, SourceLink in the symbols, the native builds where the loader finds them);
#   - a fresh console project outside the solution that references LossEngine from that folder only, scores a small
#     dump and checks the loss (eng/package-consumer/Program.cs);
#   - LossEngine.Cli installed as a local tool from that folder: `lossengine --version` and `lossengine demo`;
#   - the Python wheel (python/pyproject.toml, with the NativeAOT builds inside), installed into a fresh venv, and the
#     binding's tests run against the installed package.
# Reuses artifacts/native (the C ABI's publish) unless a source file is newer. Installs Debian's python3-setuptools,
# python3-wheel, python3-build, python3-venv and python3-numpy when they are missing. LOSSENGINE_PACK_ARM64=1 adds the
# linux-arm64 build to LossEngine.Native (cross-compiled; installs clang, gcc-aarch64-linux-gnu, libc6-dev-arm64-cross
# and qemu-user when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
root=$PWD
python=/usr/bin/python3

version=$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' Directory.Build.props | head -n 1)
[ -n "$version" ] || { echo "packages: no <Version> in Directory.Build.props"; exit 1; }
feed="$root/artifacts/packages"
work=$(mktemp -d /tmp/lossengine-packages.XXXXXX)
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
# check NAME COMMAND...: runs one check in a subshell that stops at its first failing command, prints ok or FAIL with
# the end of its output, and counts it. (Under `if`, bash would ignore set -e inside the check.)
check() {
  local name=$1 rc
  shift
  set +e
  (set -e; "$@") >"$work/check.log" 2>&1
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then
    echo "ok: $name"
    passed=$((passed + 1))
  else
    echo "FAIL: $name"
    tail -n 40 "$work/check.log" | sed 's/^/    /'
    failed=$((failed + 1))
  fi
}
finish() {
  echo "packages: ${passed} passed, ${failed} failed"
  [ "$failed" -eq 0 ]
  exit
}

echo "=== code style (.editorconfig)"
check "dotnet format --verify-no-changes" dotnet format LossEngine.sln --verify-no-changes

# The README's speed tables are make_table.py's output over the committed results, not typed by hand: each table
# follows a "<!-- generated: ... < bench/results/MACHINE.jsonl ..." line that names its results file.
readme_speed_table() {
  local tables=0 results
  while IFS= read -r results; do
    tables=$((tables + 1))
    diff <(grep -E '"dtype": ?"f32", ?"vocab": ?128256' "$results" | "$python" bench/results/make_table.py) \
      <(awk -v f="< $results" 'index($0, "<!-- generated: ") == 1 { on = index($0, f) > 0; next } on && /^$/ { on = 0 } on && /^\|/' README.md) ||
      return 1
  done < <(grep '^<!-- generated: ' README.md | grep -o '< bench/results/[^ ]*\.jsonl' | cut -c3-)
  [ "$tables" -ge 1 ]
}
check "README's speed table is generated from bench/results" readme_speed_table

echo "=== packing LossEngine ${version} into ${feed#"$root"/}"
rm -rf "$feed"
library="$root/artifacts/native/liblossengine.so"
sources=(src/LossEngine src/LossEngine.Native Directory.Build.props Directory.Packages.props)
# Build outputs (bin/, obj/) do not count: a restore or build of the solution rewrites them.
if [ ! -f "$library" ] ||
  [ -n "$(find "${sources[@]}" \( -name bin -o -name obj \) -prune -o -type f -newer "$library" -print -quit)" ]; then
  echo "(publishing liblossengine.so: NativeAOT, a loader and one build per x86-64 level)"
  dotnet publish src/LossEngine.Native -c Release -r linux-x64 -o artifacts/native -v quiet --nologo >/dev/null
fi
pack() { dotnet pack "$@" -c Release -o "$feed" -warnaserror -v quiet --nologo; }
check "pack LossEngine and LossEngine.Cli" pack LossEngine.sln

# linux-arm64 (LOSSENGINE_PACK_ARM64=1; it adds a NativeAOT publish, a few minutes): ILC cross-compiles with clang and
# Debian's aarch64 cross toolchain, and the build must pass the C ABI's checks under qemu-aarch64 before it is packed.
native_pack_options=()
if [ "${LOSSENGINE_PACK_ARM64:-0}" = 1 ]; then
  if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null || ! command -v clang >/dev/null ||
    [ ! -d /usr/aarch64-linux-gnu/include ]; then
    apt-get update -qq
    apt-get install -y -qq clang gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user >/dev/null
  fi
  arm64_native() {
    dotnet publish src/LossEngine.Native -c Release -r linux-arm64 -o artifacts/native-arm64 -v quiet --nologo
    aarch64-linux-gnu-gcc -std=gnu99 -O1 -Wall -Wextra -Werror -Iinclude -DLOSSENGINE_EXPECTED_VERSION="\"$version\"" \
      tests/native/test_lossengine.c -o "$work/test_lossengine-arm64" -Lartifacts/native-arm64 -llossengine -lm \
      -Wl,-rpath,"$root/artifacts/native-arm64"
    # NEON is the arm64 baseline: the build runs 128-bit vectors.
    LOSSENGINE_EXPECT_VECTOR_BITS=128 qemu-aarch64 -L /usr/aarch64-linux-gnu "$work/test_lossengine-arm64" --no-files |
      tee "$work/arm64.log"
    grep -q "all C ABI checks passed" "$work/arm64.log"
  }
  check "linux-arm64: NativeAOT cross-compiled, C ABI checks under qemu-aarch64" arm64_native
  native_pack_options=(-p:LinuxArm64NativeFolder="$root/artifacts/native-arm64/")
fi
check "pack LossEngine.Native" pack src/LossEngine.Native.Package "${native_pack_options[@]}"
[ "$failed" -eq 0 ] || finish

nuspec() { unzip -p "$feed/$1.$version.nupkg" "$1.nuspec"; }
# Every package: the license file and README at the root, and the metadata that points at them and at the commit.
package_metadata() {
  local id=$1 listing
  listing=$(unzip -Z1 "$feed/$id.$version.nupkg")
  grep -qx LICENSE <<<"$listing" && grep -qx README.md <<<"$listing" || { echo "$id: LICENSE or README.md missing"; return 1; }
  nuspec "$id" | grep -q '<license type="file">LICENSE</license>' || { echo "$id: no license file in the nuspec"; return 1; }
  nuspec "$id" | grep -q '<readme>README.md</readme>' || { echo "$id: no readme in the nuspec"; return 1; }
  nuspec "$id" | grep -q '<releaseNotes>' || { echo "$id: no release notes"; return 1; }
  nuspec "$id" | grep -Eq '<repository [^>]*commit="[0-9a-f]{40}"' || { echo "$id: no repository commit"; nuspec "$id"; return 1; }
}
# Symbols: a .snupkg whose PDBs map sources to the repository (SourceLink's JSON is stored as is in the PDB).
symbols() {
  local id=$1 pdb=$2
  unzip -o -q "$feed/$id.$version.snupkg" -d "$work/symbols-$id"
  grep -q '"documents":{' "$work/symbols-$id/$pdb" || { echo "$id: $pdb has no SourceLink map"; return 1; }
}
# The native package: the loader and every level build in one folder, byte for byte the publish.
native_layout() {
  local listing file
  listing=$(unzip -Z1 "$feed/LossEngine.Native.$version.nupkg")
  echo "$listing"
  grep -qx include/lossengine.h <<<"$listing" || { echo "no include/lossengine.h"; return 1; }
  for file in liblossengine.so liblossengine-x86-64.so liblossengine-x86-64-v2.so liblossengine-x86-64-v3.so liblossengine-x86-64-v4.so; do
    cmp <(unzip -p "$feed/LossEngine.Native.$version.nupkg" "runtimes/linux-x64/native/$file") "artifacts/native/$file" ||
      { echo "runtimes/linux-x64/native/$file differs from artifacts/native/$file"; return 1; }
  done
}
for id in LossEngine LossEngine.Cli LossEngine.Native; do
  check "$id: license, README, release notes, repository commit" package_metadata "$id"
done
check "LossEngine.snupkg: SourceLink" symbols LossEngine lib/net10.0/LossEngine.pdb
check "LossEngine.Cli.snupkg: SourceLink" symbols LossEngine.Cli tools/net10.0/any/LossEngine.Cli.pdb
check "LossEngine.Native: runtimes/linux-x64/native holds the loader and its four builds" native_layout
if [ "${LOSSENGINE_PACK_ARM64:-0}" = 1 ]; then
  arm64_layout() {
    cmp <(unzip -p "$feed/LossEngine.Native.$version.nupkg" runtimes/linux-arm64/native/liblossengine.so) \
      artifacts/native-arm64/liblossengine.so
  }
  check "LossEngine.Native: runtimes/linux-arm64/native/liblossengine.so" arm64_layout
fi

echo "=== a fresh console project that references the packages from ${feed#"$root"/} only"
consumer="$work/consumer"
mkdir -p "$consumer"
# The machine's own package sources (user and machine NuGet.Config) stay in force for dependencies; the LossEngine
# packages are mapped to the local folder, and a private packages folder keeps no earlier copy of them in play.
default_sources=$(cd "$consumer" && dotnet nuget list source | sed -n 's/^ *[0-9]*\. *\(.*\) \[Enabled\]$/\1/p')
[ -n "$default_sources" ] || { echo "packages: no enabled NuGet source on this machine"; exit 1; }
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo '  <config><add key="globalPackagesFolder" value="packages" /></config>'
  echo "  <packageSources><add key=\"lossengine-local\" value=\"$feed\" /></packageSources>"
  echo '  <packageSourceMapping>'
  echo '    <packageSource key="lossengine-local"><package pattern="LossEngine" /><package pattern="LossEngine.*" /></packageSource>'
  while IFS= read -r source; do
    echo "    <packageSource key=\"$source\"><package pattern=\"*\" /></packageSource>"
  done <<<"$default_sources"
  echo '  </packageSourceMapping>'
  echo '</configuration>'
} >"$consumer/nuget.config"

library_consumer() {
  cd "$consumer"
  dotnet new console --name App --output App --framework net10.0 --no-restore
  cp "$root/eng/package-consumer/Program.cs" App/Program.cs
  dotnet add App package LossEngine --version "$version"
  dotnet run --project App -c Release -- "$version"
  # The package restored is the one packed here, and the assembly that ran is the one inside it.
  cmp "$consumer/packages/lossengine/$version/lossengine.$version.nupkg" "$feed/LossEngine.$version.nupkg"
  cmp "$consumer/packages/lossengine/$version/lib/net10.0/LossEngine.dll" App/bin/Release/net10.0/LossEngine.dll
}
check "LossEngine from the local folder: a console app scores a dump and matches float64" library_consumer

tool_consumer() {
  cd "$consumer"
  # The CLI caches where each local tool's command lives (toolResolverCache under DOTNET_CLI_HOME) by package and
  # version, so an earlier run's deleted folder would be looked up; a private home keeps the cache to this run.
  export DOTNET_CLI_HOME="$work/dotnet-home"
  dotnet new tool-manifest --force
  dotnet tool install LossEngine.Cli --local --version "$version"
  local reported
  reported=$(dotnet tool run lossengine --version)
  echo "lossengine --version: $reported"
  [ "${reported%%+*}" = "$version" ] || { echo "expected $version"; return 1; }
  dotnet tool run lossengine demo --out "$work/demo" --threads 2 | tee "$work/demo.log"
  # The demo plants six label errors and says how many the label-error view found.
  grep -Eq 'the label-error view found ([0-9]+) of \1\.' "$work/demo.log"
}
check "LossEngine.Cli as a local tool: lossengine --version and lossengine demo" tool_consumer

echo "=== the Python wheel, installed into a fresh venv"
if ! "$python" -c 'import setuptools, wheel, build, venv, numpy' 2>/dev/null; then
  apt-get update -qq
  apt-get install -y -qq python3-setuptools python3-wheel python3-build python3-venv python3-numpy >/dev/null
fi
wheel_dir="$feed/python"
build_wheel() {
  local stage="$work/wheel-source"
  mkdir -p "$stage"
  cp -r python/lossengine python/pyproject.toml python/setup.py python/README.md Directory.Build.props LICENSE "$stage/"
  rm -rf "$stage/lossengine/__pycache__"
  cp artifacts/native/liblossengine*.so "$stage/lossengine/"
  "$python" -m build --wheel --no-isolation --outdir "$wheel_dir" "$stage"
  local wheel="$wheel_dir/lossengine-$version-py3-none-linux_x86_64.whl"
  unzip -Z1 "$wheel" | tee "$work/wheel.txt"
  for file in liblossengine.so liblossengine-x86-64.so liblossengine-x86-64-v2.so liblossengine-x86-64-v3.so liblossengine-x86-64-v4.so; do
    grep -qx "lossengine/$file" "$work/wheel.txt" || { echo "the wheel lacks lossengine/$file"; return 1; }
  done
}
check "wheel: lossengine-$version-py3-none-linux_x86_64.whl with the loader and its builds" build_wheel
[ "$failed" -eq 0 ] || finish

venv="$work/venv"
install_wheel() {
  "$python" -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install --no-index --disable-pip-version-check "$wheel_dir/lossengine-$version-py3-none-linux_x86_64.whl"
  # From a folder with no python/ beside it, with no LOSSENGINE_LIBRARY: the package and the library both come from
  # the venv.
  (cd "$work" && env -u LOSSENGINE_LIBRARY "$venv/bin/python" -c \
    'import lossengine; print(lossengine.__file__, lossengine._lib._name, lossengine.version())') | tee "$work/where.txt"
  read -r module library reported <"$work/where.txt"
  [[ "$module" == "$venv"/* && "$library" == "$venv"/* && "$reported" == "$version" ]]
}
check "pip install of the wheel into a fresh venv; the package and library load from it" install_wheel
[ "$failed" -eq 0 ] || finish

# The binding's tests from a copy outside the source tree, so `import lossengine` finds only the installed package.
# The file tests need eng/test-native.sh's dumps and CLI reports and skip here; the distributed tests need a cluster
# (eng/test-distributed.sh) and are not run.
mkdir -p "$work/python-tests"
cp -r python/tests "$work/python-tests/"
log="$work/python-tests.log"
set +e
(cd "$work/python-tests" && env -u LOSSENGINE_LIBRARY -u LOSSENGINE_TEST_DUMPS "$venv/bin/python" -m unittest discover \
  -s tests -p 'test_l*.py' -v) >"$log" 2>&1
rc=$?
set -e
grep -E ' \.\.\. (ok|FAIL|ERROR|skipped)' "$log" | grep -v ' ok$' || true
total=$(grep -Eo '^Ran [0-9]+' "$log" | grep -Eo '[0-9]+' || echo 0)
count() { grep -Eo "$1=[0-9]+" "$log" | grep -Eo '[0-9]+' || echo 0; }
py_failed=$(( $(count failures) + $(count errors) ))
py_skipped=$(count skipped)
echo "python tests against the installed wheel: ran ${total}, ${py_failed} failed, ${py_skipped} skipped"
if [ "$rc" -ne 0 ] || [ "$total" -eq 0 ]; then
  cat "$log"
  py_failed=$((py_failed > 0 ? py_failed : 1))
fi
passed=$((passed + total - py_failed - py_skipped))
failed=$((failed + py_failed))
finish
