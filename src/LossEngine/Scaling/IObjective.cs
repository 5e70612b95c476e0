namespace LossEngine.Scaling;

/// <summary>A smooth function of a parameter vector, minimised by <see cref="Lbfgs"/>.</summary>
internal interface IObjective
{
    /// <summary>f(x), with ∇f(x) written to <paramref name="gradient"/>; +∞ or NaN where f cannot be evaluated.</summary>
    double Evaluate(ReadOnlySpan<double> x, Span<double> gradient);
}
