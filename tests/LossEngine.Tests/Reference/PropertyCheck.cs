using FsCheck;
using FsCheck.Fluent;

namespace LossEngine.Tests.Reference;

/// <summary>Runs an FsCheck property with a case count that CI can scale through LOSSENGINE_PROPERTY_CASES (for
/// example down under emulation), never below 20.</summary>
public static class PropertyCheck
{
    public static int Cases { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("LOSSENGINE_PROPERTY_CASES"), out int cases) ? Math.Max(cases, 20) : 200;

    public static void ForAll<TCase>(Arbitrary<TCase> arbitrary, Action<TCase> assertion)
    {
        Config config = Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true);
        Check.One(config, Prop.ForAll(arbitrary, assertion));
    }
}
