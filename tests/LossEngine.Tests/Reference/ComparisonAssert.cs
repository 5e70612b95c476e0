namespace LossEngine.Tests.Reference;

/// <summary>Checks a row pair's comparison against <see cref="NaiveReference"/> over the values the kernel read.</summary>
public static class ComparisonAssert
{
    /// <summary>KL within 2e-6 + 1e-6·KL, both losses within <see cref="NaiveReference.LossTolerance"/>, and both
    /// argmaxes exact, against the float64 reference of <paramref name="reference"/> and <paramref name="candidate"/>
    /// (the rows as the kernel read them, already scaled).</summary>
    public static void MatchesReference(ComparisonStatistics actual, double[] reference, double[] candidate, int target, string context)
    {
        double kl = NaiveReference.KlDivergence(reference, candidate);
        Assert.True(Math.Abs(actual.KlDivergence - kl) <= 2e-6 + (1e-6 * kl), $"{context}: KL {actual.KlDivergence}, expected {kl}");
        double lseA = NaiveReference.LogSumExp(reference), lseB = NaiveReference.LogSumExp(candidate);
        double referenceLoss = lseA - reference[target], candidateLoss = lseB - candidate[target];
        Assert.True(
            Math.Abs(actual.ReferenceLoss - referenceLoss) <= NaiveReference.LossTolerance(lseA, referenceLoss),
            $"{context}: reference loss {actual.ReferenceLoss}, expected {referenceLoss}");
        Assert.True(
            Math.Abs(actual.CandidateLoss - candidateLoss) <= NaiveReference.LossTolerance(lseB, candidateLoss),
            $"{context}: candidate loss {actual.CandidateLoss}, expected {candidateLoss}");
        Assert.Equal(NaiveReference.ArgMax(reference), actual.ReferenceArgMax);
        Assert.Equal(NaiveReference.ArgMax(candidate), actual.CandidateArgMax);
    }
}
