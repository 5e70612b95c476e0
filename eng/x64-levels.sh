# The x86-64 levels of the C ABI's builds (liblossengine-<level>.so, chosen by the linux-x64 loader or LOSSENGINE_ISA),
# widest first, and the .NET runtime switch that makes the JIT compile what ILC compiled for each, so the CLI or the
# benchmarks in process run the same kernel path as the shared library. Sourced by eng/test-native.sh and
# bench/native-abi/compare.sh.
x64_levels="x86-64-v4 x86-64-v3 x86-64-v2 x86-64"

dotnet_switch() {
  case "$1" in
    # PreferredVectorBitWidth=512 also lifts the JIT's 256-bit default on Intel cores that throttle 512-bit code.
    x86-64-v4) echo "DOTNET_PreferredVectorBitWidth=512" ;;
    x86-64-v3) echo "DOTNET_EnableAVX512=0" ;;
    x86-64-v2) echo "DOTNET_EnableAVX=0" ;;
    x86-64)    echo "DOTNET_EnableAVX=0" ;;  # the JIT keeps SSE4 here, and the reports still agree to the last bit
  esac
}
