namespace LossEngine.Scaling;

/// <summary>Settings of the one-variable fits.</summary>
public sealed record CurveFitOptions
{
    /// <summary>Bootstrap resamples for the intervals; 0 leaves the intervals unknown. Default 1000.</summary>
    public int Bootstrap { get; init; } = 1000;

    /// <summary>Seeds the bootstrap; the same seed gives the same intervals on every run (to the last digit on machines
    /// with the same vector instructions). Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>The interval's coverage, in (0, 1). Default 0.95.</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>Huber's δ, in units of the residual (log y for the power law, y for the logistic); null picks
    /// 1.345·σ̂, where σ̂ = 1.4826·median |r| of a least-squares fit's residuals (Huber's 95%-efficiency tuning with a
    /// robust scale), floored at 1e-4.</summary>
    public double? HuberDelta { get; init; }

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Bootstrap negative, confidence outside (0, 1), or δ not positive.</exception>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Bootstrap);
        if (!(Confidence > 0 && Confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Confidence), Confidence, "The confidence is a probability in (0, 1).");
        }

        if (HuberDelta is double delta && !(delta > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(HuberDelta), delta, "Huber's δ is positive.");
        }
    }
}
