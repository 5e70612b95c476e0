using System.Runtime.InteropServices;

namespace LossEngine.Benchmarks.Quick;

/// <summary>The hand-written C peer (bench/native), loaded from $LOSSENGINE_PEER or bench/native/build.</summary>
internal static unsafe partial class NativePeer
{
    private static readonly nint s_library = Load();

    public static bool IsAvailable => s_library != 0;

    private static nint Load()
    {
        string[] candidates =
        [
            Environment.GetEnvironmentVariable("LOSSENGINE_PEER") ?? string.Empty,
            Path.Combine(AppContext.BaseDirectory, "libbench_peer.so"),
            Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../native/build/libbench_peer.so")),
            Path.GetFullPath("bench/native/build/libbench_peer.so"),
        ];
        foreach (string candidate in candidates.Where(File.Exists))
        {
            if (NativeLibrary.TryLoad(candidate, out nint handle))
            {
                s_lseNll = (delegate* unmanaged<float*, long, long, double*, double>)NativeLibrary.GetExport(handle, "lossengine_peer_lse_nll");
                return handle;
            }
        }

        return 0;
    }

    private static delegate* unmanaged<float*, long, long, double*, double> s_lseNll;

    public static double LseNll(float* row, long length, long target, out double lse)
    {
        double result;
        fixed (double* pointer = &lse)
        {
            result = s_lseNll(row, length, target, pointer);
        }

        return result;
    }
}
