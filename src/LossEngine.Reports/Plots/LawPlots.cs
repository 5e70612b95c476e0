using System.Globalization;
using LossEngine.Scaling;
using ScottPlot;

namespace LossEngine.Reports.Plots;

/// <summary>The plot of a two-variable law L(N, D): iso-loss contours with the compute-optimal frontier.</summary>
public static class LawPlots
{
    private const int Grid = 80;

    /// <summary>Every plot of the fit.</summary>
    public static IReadOnlyList<Figure> All(LawFit fit, LawData runs) => [IsoLoss(fit, runs)];

    /// <summary>Contours of the fitted L over log N and log D (the runs' range, widened to the budgets'
    /// allocations), the runs themselves, and the frontier N_opt(C), D_opt(C) along which each budget is spent best.</summary>
    public static Figure IsoLoss(LawFit fit, LawData runs)
    {
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(runs);
        ComputeOptimalAllocation optimal = fit.ComputeOptimal;
        double[] ns = [.. runs.Parameters.Concat(optimal.Budgets.Select(b => b.Parameters.Value)).Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10)];
        double[] ds = [.. runs.Tokens.Concat(optimal.Budgets.Select(b => b.Tokens.Value)).Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10)];
        double nLow = ns.Min() - 0.3, nHigh = ns.Max() + 0.3, dLow = ds.Min() - 0.3, dHigh = ds.Max() + 0.3;

        var colors = new Dictionary<string, Color> { ["runs"] = new Color(31, 119, 180), ["compute-optimal"] = new Color(214, 39, 40) };
        Plot plot = PlotStyle.Create(string.Create(CultureInfo.InvariantCulture, $"L(N, D) = {fit.E:0.###} + {fit.A:0.###}/N^{fit.Alpha:0.###} + {fit.B:0.###}/D^{fit.Beta:0.###}"),
            "parameters N (log scale)", "training tokens D (log scale)");
        var surface = new Coordinates3d[Grid, Grid];
        for (int row = 0; row < Grid; row++)
        {
            double d = dLow + ((dHigh - dLow) * row / (Grid - 1));
            for (int column = 0; column < Grid; column++)
            {
                double n = nLow + ((nHigh - nLow) * column / (Grid - 1));
                surface[row, column] = new Coordinates3d(n, d, fit.Predict(Math.Pow(10, n), Math.Pow(10, d)));
            }
        }

        var contours = plot.Add.ContourLines(surface, 12);
        contours.LineColor = Colors.Gray;
        contours.LabelStyle.FontSize = 10;

        var points = plot.Add.ScatterPoints(runs.Parameters.Select(Math.Log10).ToArray(), runs.Tokens.Select(Math.Log10).ToArray(), colors["runs"]);
        points.MarkerSize = 7;
        points.LegendText = "runs";

        // N_opt = G·(C/6)^a and D_opt = (C/6)^b / G: a line in log space, drawn across the plot's N range.
        double g = optimal.Coefficient.Value, a = optimal.ParameterExponent.Value, b = optimal.TokenExponent.Value;
        var frontier = new List<(double N, double D)>();
        for (int i = 0; i < Grid; i++)
        {
            double logN = nLow + ((nHigh - nLow) * i / (Grid - 1));
            double logCompute6 = (logN - Math.Log10(g)) / a;
            double logD = (b * logCompute6) - Math.Log10(g);
            if (logD >= dLow && logD <= dHigh)
            {
                frontier.Add((logN, logD));
            }
        }

        if (frontier.Count > 1)
        {
            var line = plot.Add.ScatterLine(frontier.Select(p => p.N).ToArray(), frontier.Select(p => p.D).ToArray(), colors["compute-optimal"]);
            line.LineWidth = 3;
            line.MarkerSize = 0;
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"compute-optimal: N ∝ C^{a:0.###}, D ∝ C^{b:0.###}");
        }

        ComputeBudget[] budgets = [.. optimal.Budgets.Where(x => x.Parameters.Value > 0 && x.Tokens.Value > 0)];
        if (budgets.Length > 0)
        {
            var marks = plot.Add.ScatterPoints(budgets.Select(x => Math.Log10(x.Parameters.Value)).ToArray(), budgets.Select(x => Math.Log10(x.Tokens.Value)).ToArray(), colors["compute-optimal"]);
            marks.MarkerShape = MarkerShape.FilledDiamond;
            marks.MarkerSize = 10;
            marks.LegendText = "budgets in the report";
        }

        PlotStyle.LogTicks(plot.Axes.Bottom, PlotStyle.Scale);
        PlotStyle.LogTicks(plot.Axes.Left, PlotStyle.Scale);
        plot.Axes.SetLimits(nLow, nHigh, dLow, dHigh);
        plot.ShowLegend(Alignment.UpperLeft);
        return PlotStyle.Single("fit-law-iso-loss", "Iso-loss contours of the fitted L(N, D) with the runs and the compute-optimal frontier", plot, colors, height: 600);
    }
}
