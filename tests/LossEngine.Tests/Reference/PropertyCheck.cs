using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace LossEngine.Tests.Reference;

/// <summary>
/// Runs an FsCheck property with a case count that CI can scale through LOSSENGINE_PROPERTY_CASES (for example down
/// under emulation), never below 20, from a seed fixed per property so that every run of the suite, at every
/// instruction-set level and on every machine, checks the same cases.
/// </summary>
/// <remarks>
/// A fixed seed keeps CI a statement about the code rather than about the draw. To explore beyond it, set
/// LOSSENGINE_PROPERTY_SEED to a number (mixed into every property's seed) or to <c>random</c>; a failure prints the
/// FsCheck replay tuple either way.
/// </remarks>
public static class PropertyCheck
{
    public static int Cases { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("LOSSENGINE_PROPERTY_CASES"), out int cases) ? Math.Max(cases, 20) : 200;

    public static void ForAll<TCase>(Arbitrary<TCase> arbitrary, Action<TCase> assertion, [CallerFilePath] string file = "", [CallerMemberName] string property = "")
    {
        Config config = Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true);
        if (SeedFor(Path.GetFileNameWithoutExtension(file) + "." + property) is ulong seed)
        {
            config = config.WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed), FSharpOption<int>.None)));
        }

        Check.One(config, Prop.ForAll(arbitrary, assertion));
    }

    /// <summary>FNV-1a of the property's name, mixed with LOSSENGINE_PROPERTY_SEED when it is a number; null (a fresh
    /// random seed) when it is <c>random</c>.</summary>
    internal static ulong? SeedFor(string name)
    {
        string? setting = Environment.GetEnvironmentVariable("LOSSENGINE_PROPERTY_SEED");
        if (string.Equals(setting, "random", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        ulong hash = 14695981039346656037UL ^ (ulong.TryParse(setting, out ulong mix) ? mix : 0);
        foreach (char c in name)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}
