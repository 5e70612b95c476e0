using System.Globalization;
using LossEngine.Aggregation;
using LossEngine.Pipeline;
using LossEngine.Synthetic;

// Scores an eval dump and compares two models' dumps through the library, as `lossengine score` and `compare` do.
// Usage: dotnet run --project samples/LossEngine.Pipeline [-- FOLDER]  (writes two demo dumps there, then reads them)
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
string folder = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "lossengine-pipeline-sample");
Directory.CreateDirectory(folder);
string modelA = Path.Combine(folder, "model-a.safetensors"), modelB = Path.Combine(folder, "model-b.safetensors");
DemoDump.Write(modelA);
DemoDump.Write(modelB, model: 1); // the same text and labels, scored by another model

LossAggregator scored = DumpScorer.Score([modelA]); // every core; task names from the dump's metadata
AggregateReport report = scored.Report();
foreach (TaskMetrics task in report.Tasks.Append(report.Overall))
{
    Console.WriteLine($"{task.Task,-18} loss {task.Loss:F4} ± {task.LossStandardError:F4}  ppl {task.Perplexity,8:F2}  acc {task.Accuracy,6:P1}  share {task.ShareOfLoss,6:P1}");
}

File.WriteAllText(Path.Combine(folder, "model-a.score.json"), ReportJson.Write(report, scored, [modelA]));

ComparisonAggregator comparison = ModelComparer.Compare([modelA], [modelB]);
foreach (ComparisonSummary s in comparison.Report().Summaries)
{
    Console.WriteLine($"{s.Task,-18} mean KL {s.MeanKl:F5} ± {s.MeanKlError:F5}  99% KL {s.KlPercentiles[1]:F4}  PPL(B)/PPL(A) {s.Ratio:F4}  same top-1 {s.SameTop:P1}");
}

File.WriteAllText(Path.Combine(folder, "a-vs-b.compare.json"), ComparisonReportJson.Write(comparison, [modelA], [modelB]));
Console.WriteLine($"Reports: {folder}");
