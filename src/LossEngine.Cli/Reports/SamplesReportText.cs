using System.Globalization;
using System.Text;
using LossEngine.LmEval;
using LossEngine.MultipleChoice;

namespace LossEngine.Cli.Reports;

/// <summary>Prints multiple-choice metrics (from lm-eval samples or from dumps with questions) and recomputed lm-eval
/// samples: the multiple-choice table (acc, acc_norm, acc_bytes, Brier, p(gold), share of errors), the worst questions
/// and the possible label errors; the document-level table and its worst documents; the checks against the logged
/// values.</summary>
internal static class SamplesReportText
{
    public static string Render(LmEvalSamplesReport report)
    {
        var text = new StringBuilder(MultipleChoice(report.MultipleChoice));
        if (report.Documents.Count > 0)
        {
            Line(text, $"{"log-likelihood",-22} {"documents",9} {"mean ll ± stderr",19} {"perplexity",11} {"word ppl",10} {"bits/byte",9} {"acc",7} {"share",7}");
            text.AppendLine(new string('-', 101));
            foreach (DocumentMetrics d in report.Documents)
            {
                Line(text, $"{d.Task,-22} {d.Documents,9} {d.MeanLogLikelihood,9:F3} ± {d.MeanLogLikelihoodStandardError,-7:F3} {Number(d.Perplexity, "F3"),11} {Number(d.WordPerplexity, "F3"),10} {Number(d.BitsPerByte, "F4"),9} {Percent(d.Accuracy),7} {Percent(d.ShareOfNegativeLogLikelihood),7}");
            }

            text.AppendLine();
            text.AppendLine("Worst documents (lowest log-likelihood per byte)");
            foreach (DocumentMetrics d in report.Documents)
            {
                foreach (DocumentOutcome o in d.WorstDocuments.Take(3))
                {
                    Line(text, $"  {d.Task}: doc_id {o.DocumentId}: ll {o.LogLikelihood:F3}{(o.Bytes > 0 ? string.Create(CultureInfo.InvariantCulture, $" over {o.Bytes} bytes") : string.Empty)}");
                }
            }

            text.AppendLine();
        }

        if (report.Checks.Count > 0)
        {
            text.AppendLine("Recomputed against the values lm-eval logged in the samples");
            foreach (LoggedMetricCheck c in report.Checks)
            {
                Line(text, $"  {c.Task}: {c.Metric} agrees on {c.Checked - c.Disagreements} of {c.Checked}{(c.FirstDisagreement is null ? string.Empty : $"; first difference {c.FirstDisagreement}")}");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary>The multiple-choice table, worst questions and possible label errors; empty without questions.</summary>
    public static string MultipleChoice(MultipleChoiceReport mc)
    {
        var text = new StringBuilder();
        if (mc.Tasks.Count == 0)
        {
            return string.Empty;
        }

        Line(text, $"{"multiple choice",-22} {"questions",9} {"acc ± stderr",17} {"acc_norm ± stderr",17} {"acc_bytes",9} {"Brier ± stderr",17} {"p(gold)",7} {"errors",7}");
        string rule = new('-', 113);
        text.AppendLine(rule);
        foreach (MultipleChoiceMetrics m in mc.Tasks)
        {
            Row(text, m.Task, m);
        }

        text.AppendLine(rule);
        Row(text, "overall (micro)", mc.Overall);
        Line(text, $"{"overall (macro)",-22} {string.Empty,9} {Percent(mc.MacroAccuracy),8} {string.Empty,8} {string.Empty,17} {string.Empty,9} {mc.MacroBrierScore,8:F4}");
        Line(text, $"{"lm-eval group",-22} {string.Empty,9} {Percent(mc.LmEvalGroupAccuracy),8} ± {Percent(mc.LmEvalGroupAccuracyStandardError),-6}");
        text.AppendLine();
        text.AppendLine("Worst questions (lowest probability of the gold choice)");
        foreach (MultipleChoiceMetrics m in mc.Tasks)
        {
            foreach (MultipleChoiceOutcome o in m.WorstQuestions.Take(3))
            {
                Line(text, $"  {m.Task}: doc_id {o.QuestionId}: gold {o.Gold} p={o.GoldProbability:F3} (ll {o.GoldLogLikelihood:F3}), model's choice {o.Prediction} p={o.PredictionProbability:F3}");
            }
        }

        text.AppendLine();
        if (mc.Tasks.Any(m => m.PossibleLabelErrors.Count > 0))
        {
            text.AppendLine("Possible label errors (the model strongly prefers another choice): read these by hand");
            foreach (MultipleChoiceMetrics m in mc.Tasks)
            {
                foreach (MultipleChoiceOutcome o in m.PossibleLabelErrors)
                {
                    Line(text, $"  {m.Task}: doc_id {o.QuestionId}: gold {o.Gold} (p={o.GoldProbability:F3}) but the model says {o.Prediction} with p={o.PredictionProbability:F3}");
                }
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, MultipleChoiceMetrics m) =>
        Line(text, $"{name,-22} {m.Questions,9} {Percent(m.Accuracy),8} ± {Percent(m.AccuracyStandardError),-6} {Percent(m.NormalizedAccuracy),8} ± {Percent(m.NormalizedAccuracyStandardError),-6} {Percent(m.ByteAccuracy),9} {m.BrierScore,8:F4} ± {m.BrierScoreStandardError,-6:F4} {m.GoldProbability,7:F4} {Percent(m.ShareOfErrors),7}");

    private static string Number(double value, string format) => double.IsNaN(value) ? "—" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string Percent(double value) => double.IsNaN(value) ? "—" : string.Create(CultureInfo.InvariantCulture, $"{100 * value:F1} %");

    private static void Line(StringBuilder text, FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));
}
