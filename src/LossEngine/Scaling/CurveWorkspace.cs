namespace LossEngine.Scaling;

/// <summary>Per-point buffers of the robust least-squares solver (residuals and Jacobian rows, for the current and the
/// trial parameters), allocated once per series and reused by every bootstrap refit.</summary>
internal sealed class CurveWorkspace(int points)
{
    public double[] Residuals { get; set; } = new double[points];

    public double[] Jacobian { get; set; } = new double[points * RobustCurveSolver.MaxParameters];

    public double[] TrialResiduals { get; set; } = new double[points];

    public double[] TrialJacobian { get; set; } = new double[points * RobustCurveSolver.MaxParameters];

    public double[] Target { get; } = new double[points];

    public void AcceptTrial()
    {
        (Residuals, TrialResiduals) = (TrialResiduals, Residuals);
        (Jacobian, TrialJacobian) = (TrialJacobian, Jacobian);
    }
}
