namespace LossEngine.Scaling;

/// <summary>A curve in log x with at most three parameters, as the robust least-squares solver sees it.</summary>
internal interface ICurveModel
{
    /// <summary>The number of parameters, at most <see cref="RobustCurveSolver.MaxParameters"/>.</summary>
    static abstract int ParameterCount { get; }

    /// <summary>The curve at every <paramref name="logX"/>, written to <paramref name="values"/>, and its gradient with
    /// respect to parameter j at point i, written to <c>jacobian[j·n + i]</c> (one column per parameter).</summary>
    void Evaluate(ReadOnlySpan<double> logX, ReadOnlySpan<double> theta, Span<double> values, Span<double> jacobian);
}
