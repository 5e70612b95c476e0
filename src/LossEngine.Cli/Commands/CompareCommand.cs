using System.CommandLine;
using LossEngine.Cli.Input;
using LossEngine.Cli.Reports;
using LossEngine.Formats;

namespace LossEngine.Cli.Commands;

/// <summary><c>lossengine compare</c>: token-by-token KL divergence of a candidate model against a reference.</summary>
internal static class CompareCommand
{
    public static Command Create(CliContext context)
    {
        var common = new CommonOptions();
        var reference = new Argument<string>("reference") { Description = "the reference model's dump (safetensors)" };
        var candidate = new Argument<string>("candidate") { Description = "the candidate model's dump, same shape and targets" };
        var command = new Command("compare", "Compare two models' logits token by token: KL divergence, Δp, same top-1, PPL ratio (llama.cpp's KLD statistics).");
        command.Arguments.Add(reference);
        command.Arguments.Add(candidate);
        foreach (Option option in new Option[] { common.Shift, common.IgnoreIndex, common.TaskNames, common.Threads })
        {
            command.Options.Add(option);
        }

        command.SetAction(result => context.Guard(() =>
        {
            ScoringOptions scoring = common.Scoring(result);
            var options = new DumpOptions { Shift = result.GetValue(common.Shift), IgnoreIndex = result.GetValue(common.IgnoreIndex) };
            using EvalDump a = EvalDump.OpenSafetensors(result.GetValue(reference)!, options);
            using EvalDump b = EvalDump.OpenSafetensors(result.GetValue(candidate)!, options);
            if (a.Rows != b.Rows || a.Vocabulary != b.Vocabulary || a.LogitType != b.LogitType)
            {
                throw new DumpFormatException($"{b.File}: {b.Rows} rows × V={b.Vocabulary} ({b.LogitType}) do not match {a.File}: {a.Rows} rows × V={a.Vocabulary} ({a.LogitType}).");
            }

            IReadOnlyList<string> names = TaskNameSource.Resolve(result.GetValue(common.TaskNames), [a]);
            ComparisonReport report = CompareDumps(a, b, scoring, names);
            context.Output.Write(report.Render());
            return 0;
        }));
        return command;
    }

    /// <summary>Compares two opened dumps of the same shape and targets, batch by batch on the scoring options' threads.</summary>
    public static ComparisonReport CompareDumps(EvalDump a, EvalDump b, ScoringOptions scoring, IReadOnlyList<string> names, long batchBytes = DumpScorer.DefaultBatchBytes)
    {
        var report = new ComparisonReport(names);
        switch (a.LogitType)
        {
            case TensorDataType.Float32: Compare<float>(a, b, scoring, report, names.Count, batchBytes); break;
            case TensorDataType.Float16: Compare<Half>(a, b, scoring, report, names.Count, batchBytes); break;
            default: Compare<BFloat16>(a, b, scoring, report, names.Count, batchBytes); break;
        }

        return report;
    }

    private static unsafe void Compare<T>(EvalDump a, EvalDump b, ScoringOptions scoring, ComparisonReport report, int taskCount, long batchBytes)
        where T : unmanaged
    {
        int batchRows = (int)Math.Clamp(batchBytes / (a.Vocabulary * sizeof(T)), 1, 1 << 16);
        ScoringOptions singleThreaded = scoring with { MaxDegreeOfParallelism = 1 };
        using var pipeline = new BatchPipeline<ComparedBatch>(a.Rows, batchRows, scoring.MaxDegreeOfParallelism, (row, maxRows) => a.Run(row, maxRows).Rows,
            () => new ComparedBatch(batchRows), (batch, firstRow, rows) => batch.Compare<T>(a, b, firstRow, rows, taskCount, singleThreaded));
        while (pipeline.Next() is ({ } batch, _, int rows))
        {
            for (int i = 0; i < rows; i++)
            {
                if (batch.TaskIds[i] >= 0)
                {
                    report.Add(batch.TaskIds[i], batch.Results[i]);
                }
            }
        }
    }
}
