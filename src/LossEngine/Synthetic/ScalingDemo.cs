using System.Globalization;
using System.Text;
using LossEngine.Aggregation;
using LossEngine.Formats;
using LossEngine.Pipeline;
using LossEngine.Scaling;

namespace LossEngine.Synthetic;

/// <summary>
/// The whole across-models workflow on <see cref="ScalingDemoFamily"/>: writes each model's dump, scores it into a
/// <c>lossengine.score/1</c> report, writes the manifest that maps the reports to model sizes, reads them back as series
/// and runs the scaling analysis, then sets the class recovered for each planted shape beside the planted one.
/// </summary>
public static class ScalingDemo
{
    /// <summary>The manifest's file name in the demo's folder.</summary>
    public const string ManifestName = "models.csv";

    /// <summary>Runs the demo in <paramref name="folder"/> (created if needed): <c>model-0.safetensors</c> …, their
    /// reports <c>model-0.json</c> …, and <see cref="ManifestName"/>.</summary>
    /// <param name="folder">Where the dumps, reports and manifest go.</param>
    /// <param name="scoring">How to score each dump (threads, batch size).</param>
    /// <param name="analysis">How to fit and classify (bootstrap resamples, seed, threads).</param>
    /// <param name="seed">The family's seed; see <see cref="ScalingDemoFamily.Write"/>.</param>
    /// <param name="progress">Told the model index as each model is scored.</param>
    /// <param name="cancellationToken">Checked between models and between scoring batches.</param>
    /// <returns>The analysis and the planted and recovered class of each checked series.</returns>
    /// <exception cref="IOException">The folder cannot be written.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static ScalingDemoResult Run(string folder, DumpScoringOptions? scoring = null, ScalingAnalysisOptions? analysis = null, int seed = 2024,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        Directory.CreateDirectory(folder);
        var manifest = new StringBuilder("file,model,params\n");
        var dumps = new List<string>();
        var reports = new List<string>();
        for (int model = 0; model < ScalingDemoFamily.Parameters.Count; model++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(model);
            string dumpPath = Path.Combine(folder, $"model-{model}.safetensors");
            string reportPath = Path.Combine(folder, $"model-{model}.json");
            ScalingDemoFamily.Write(dumpPath, model, seed);
            using (EvalDump dump = EvalDump.OpenSafetensors(dumpPath))
            {
                LossAggregator scored = DumpScorer.Score([dump], scoring, null, null, cancellationToken);
                File.WriteAllText(reportPath, ReportJson.Write(scored.Report(), scored, [dumpPath]));
            }

            dumps.Add(dumpPath);
            reports.Add(reportPath);
            manifest.Append(CultureInfo.InvariantCulture, $"{Path.GetFileName(reportPath)},m{model},{ScalingDemoFamily.Parameters[model]:R}\n");
        }

        string manifestPath = Path.Combine(folder, ManifestName);
        File.WriteAllText(manifestPath, manifest.ToString());
        IReadOnlyList<ScalingSeries> series = ScalingInputs.Read([], ModelManifest.Read(manifestPath), new ScalingReadOptions { Axis = ScaleAxis.Parameters });
        ScalingReport report = ScalingAnalysis.Run(series, analysis ?? new ScalingAnalysisOptions());
        var recovered = ScalingDemoFamily.Planted.Select(planted => new RecoveredShape(planted,
            report.Series.Single(s => s.Series.Task == planted.Task && s.Series.Metric == planted.Metric).Classification.Class)).ToArray();
        return new ScalingDemoResult { Folder = folder, Dumps = dumps, Reports = reports, ManifestPath = manifestPath, Report = report, Recovered = recovered };
    }
}
