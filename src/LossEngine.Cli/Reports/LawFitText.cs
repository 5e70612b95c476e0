using System.Globalization;
using System.Text;
using LossEngine.Scaling;

namespace LossEngine.Cli.Reports;

/// <summary>The terminal rendering of a two-variable law fit.</summary>
internal static class LawFitText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(LawFit fit)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Create(Invariant,
            $"L(N, D) = E + A/N^α + B/D^β: {fit.Points} runs{(fit.Dropped > 0 ? $" ({fit.Dropped} highest-loss dropped)" : string.Empty)}, Huber δ = {fit.HuberDelta:G3} on log L, L-BFGS from {fit.Starts} starts; objective {fit.Objective:G6}, R² (log L) {fit.RSquared:F4}"));
        text.AppendLine(string.Create(Invariant, $"{fit.Confidence * 100:G3}% intervals from {fit.Resamples} converged bootstrap resamples (runs drawn with replacement)"));
        text.AppendLine();
        string[] names = ["E", "A", "B", "α", "β"];
        var rows = new List<string[]>();
        for (int k = 0; k < fit.Parameters.Count; k++)
        {
            rows.Add([names[k], Precise(fit.Parameters[k].Value), Interval(fit.Parameters[k].Interval)]);
        }

        Table(text, ["parameter", "estimate", "interval"], rows);
        ComputeOptimalAllocation optimal = fit.ComputeOptimal;
        text.AppendLine();
        text.AppendLine("Compute-optimal allocation under C ≈ 6·N·D: N_opt = G·(C/6)^a, D_opt = (C/6)^b / G");
        Table(text, ["", "estimate", "interval"],
            [.. new[] { optimal.ParameterExponent, optimal.TokenExponent, optimal.Coefficient }.Select(p => new[] { p.Name, Precise(p.Value), Interval(p.Interval) })]);
        text.AppendLine();
        Table(text, ["C (FLOP)", "N_opt", "D_opt", "D/N", "loss"],
            [.. optimal.Budgets.Select(b => new[] { ScalingReportText.Number(b.Compute), Cell(b.Parameters), Cell(b.Tokens), Cell(b.TokensPerParameter), Cell(b.Loss) })],
            rightAlignedEstimate: false);
        return text.ToString();
    }

    private static void Table(StringBuilder text, string[] header, List<string[]> rows, bool rightAlignedEstimate = true)
    {
        int[] widths = [.. header.Select((h, c) => Math.Max(h.Length, rows.Select(r => r[c].Length).DefaultIfEmpty(0).Max()))];
        string Line(string[] cells) => "  " + string.Join("   ", cells.Select((cell, c) => c == 1 && rightAlignedEstimate ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd();
        text.AppendLine(Line(header));
        foreach (string[] row in rows)
        {
            text.AppendLine(Line(row));
        }
    }

    private static string Cell(FitParameter p) => $"{ScalingReportText.Number(p.Value)} {ScalingReportText.Interval(p.Interval)}";

    private static string Precise(double value) => Math.Abs(value) >= 100 ? value.ToString("F1", Invariant) : value.ToString("F4", Invariant);

    private static string Interval(ConfidenceInterval interval) =>
        double.IsNaN(interval.Low) ? "n/a" : $"[{Precise(interval.Low)}, {Precise(interval.High)}]";
}
