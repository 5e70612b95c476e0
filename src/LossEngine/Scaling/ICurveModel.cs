namespace LossEngine.Scaling;

/// <summary>A curve in log x with at most three parameters, as the robust least-squares solver sees it.</summary>
internal interface ICurveModel
{
    /// <summary>The number of parameters, at most <see cref="RobustCurveSolver.MaxParameters"/>.</summary>
    static abstract int ParameterCount { get; }

    /// <summary>Called once per parameter vector, before the points are evaluated, for constants shared by all points.</summary>
    void Prepare(ReadOnlySpan<double> theta);

    /// <summary>The curve at <paramref name="logX"/> and its gradient with respect to the parameters.</summary>
    double Evaluate(double logX, ReadOnlySpan<double> theta, Span<double> gradient);
}
