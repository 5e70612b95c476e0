using System.CommandLine;
using CommunityToolkit.HighPerformance;
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
            var report = new ComparisonReport(names);
            switch (a.LogitType)
            {
                case TensorDataType.Float32: Compare<float>(a, b, scoring, report, names.Count); break;
                case TensorDataType.Float16: Compare<Half>(a, b, scoring, report, names.Count); break;
                default: Compare<BFloat16>(a, b, scoring, report, names.Count); break;
            }

            context.Output.Write(report.Render());
            return 0;
        }));
        return command;
    }

    private static unsafe void Compare<T>(EvalDump a, EvalDump b, ScoringOptions scoring, ComparisonReport report, int taskCount)
        where T : unmanaged
    {
        int batchRows = (int)Math.Clamp((32L << 20) / (a.Vocabulary * sizeof(T)), 16, 1 << 16);
        var targets = new long[batchRows];
        var results = new ComparisonStatistics[batchRows];
        for (long row = 0; row < a.Rows;)
        {
            (nint originA, int rows, int pitch) = a.Run(row, batchRows);
            (nint originB, _, _) = b.Run(row, rows);
            for (int i = 0; i < rows; i++)
            {
                targets[i] = a.Target(row + i);
                if (b.Target(row + i) != targets[i])
                {
                    throw new DumpFormatException($"{b.File}: {b.DescribeRow(row + i)} has target {b.Target(row + i)} but {a.File} has {targets[i]}; both dumps must score the same text.");
                }
            }

            Logits.Compare(new ReadOnlySpan2D<T>((void*)originA, rows, a.Vocabulary, pitch), new ReadOnlySpan2D<T>((void*)originB, rows, b.Vocabulary, pitch), targets.AsSpan(0, rows), results.AsSpan(0, rows), scoring);
            for (int i = 0; i < rows; i++)
            {
                if (targets[i] == scoring.IgnoreIndex)
                {
                    continue;
                }

                long task = a.TaskId(row + i);
                if (task < 0 || task >= taskCount)
                {
                    throw new DumpFormatException($"{a.File}: tensor 'task_ids', {a.DescribeRow(row + i)}: task id {task} is outside the {taskCount} task names.");
                }

                report.Add((int)task, results[i]);
            }

            row += rows;
        }
    }
}
