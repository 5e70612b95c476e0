using System.CommandLine;
using LossEngine.Cli.Reports;
using LossEngine.Reports.Plots;
using LossEngine.Scaling;

namespace LossEngine.Cli.Commands;

/// <summary><c>lossengine fit-law</c>: L(N, D) = E + A/N^α + B/D^β fitted to training runs in a CSV, with bootstrap
/// intervals and the compute-optimal allocation.</summary>
internal static class FitLawCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Argument<string>("data") { Description = "CSV of training runs with a header row" };
        var parameters = new Option<string>("--params") { Description = "column of parameters N (names may contain spaces: --params \"Model Size\")", Required = true };
        var tokens = new Option<string?>("--tokens") { Description = "column of training tokens D" };
        var compute = new Option<string?>("--compute") { Description = "column of training compute C in FLOP, for D = C / (6·N)" };
        var loss = new Option<string>("--loss") { Description = "column of final loss L", Required = true };
        var dropHighest = new Option<int>("--drop-highest") { Description = "drop the K runs with the highest loss before fitting", DefaultValueFactory = _ => 0 };
        var bootstrap = new Option<int>("--bootstrap") { Description = "bootstrap resamples (runs drawn with replacement)", DefaultValueFactory = _ => 1000 };
        var seed = new Option<long>("--seed") { Description = "bootstrap seed; the same seed gives the same intervals", DefaultValueFactory = _ => 0 };
        var budgets = new Option<string[]>("--budget") { Description = "compute budgets C (FLOP) for the compute-optimal table (default: the four powers of ten above the data's largest 6·N·D); repeat for several", Arity = ArgumentArity.ZeroOrMore };
        var threads = new Option<int>("--threads") { Description = "threads for the grid and the bootstrap (default: all cores)", DefaultValueFactory = _ => -1 };
        var json = new Option<string?>("--json") { Description = "write the fit as JSON (schema lossengine.fit-law/1)" };
        var pictures = new PictureOptions();
        var command = new Command("fit-law", "Fit L(N, D) = E + A/N^α + B/D^β (Huber on log L from a grid of L-BFGS starts, as Hoffmann et al.'s approach 3), with bootstrap intervals and N_opt(C), D_opt(C).") { data };
        foreach (Option option in new Option[] { parameters, tokens, compute, loss, dropHighest, bootstrap, seed, budgets, threads, json })
        {
            command.Options.Add(option);
        }

        pictures.AddTo(command, html: false);
        command.SetAction(result => context.Guard(() =>
        {
            string? tokensColumn = result.GetValue(tokens), computeColumn = result.GetValue(compute);
            if ((tokensColumn is null) == (computeColumn is null))
            {
                throw new UsageException("Give the tokens column (--tokens COL) or the compute column (--compute COL), one of them.");
            }

            int drop = result.GetValue(dropHighest), resamples = result.GetValue(bootstrap), threadCount = result.GetValue(threads);
            if (drop < 0 || resamples < 0)
            {
                throw new UsageException("--drop-highest and --bootstrap take 0 or more.");
            }

            if (threadCount == 0 || threadCount < -1)
            {
                throw new UsageException($"--threads {threadCount}: use a positive count, or omit it for all cores.");
            }

            string[] budgetTexts = result.GetValue(budgets) ?? [];
            var options = new LawFitOptions
            {
                Bootstrap = resamples,
                Seed = result.GetValue(seed),
                MaxDegreeOfParallelism = threadCount,
                Budgets = budgetTexts.Length == 0 ? null : [.. budgetTexts.Select(b => ScalingCommand.Scale(b, "--budget")!.Value)],
            };
            string path = result.GetValue(data)!;
            using var outputs = new OutputFiles([path]);
            Pictures drawn = pictures.Of(result, outputs);
            LawData runs = LawData.ReadCsv(path, result.GetValue(parameters)!, tokensColumn, computeColumn, result.GetValue(loss)!);
            if (drop > 0)
            {
                if (runs.Count - drop < 6)
                {
                    throw new UsageException($"--drop-highest {drop}: {path} has {runs.Count} runs; at least 6 must remain.");
                }

                runs = runs.DropHighestLoss(drop);
            }

            LawFit fit = LawFitter.Fit(runs, options);
            context.Output.Write(LawFitText.Render(fit));
            if (result.GetValue(json) is string jsonPath)
            {
                File.WriteAllText(jsonPath, LawFitJson.Write(fit, options));
            }

            if (drawn.Any)
            {
                drawn.Write(outputs, LawPlots.All(fit, runs), () => string.Empty);
                outputs.Commit();
            }

            return 0;
        }));
        return command;
    }
}
