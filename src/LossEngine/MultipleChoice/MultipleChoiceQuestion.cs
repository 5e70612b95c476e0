namespace LossEngine.MultipleChoice;

/// <summary>
/// One multiple-choice question as lm-evaluation-harness scores it (output type <c>multiple_choice</c>): the summed
/// log-likelihood of each choice's continuation, the gold choice, and each choice's length in characters and in UTF-8
/// bytes.
/// </summary>
public sealed record MultipleChoiceQuestion
{
    /// <summary>The question's id (lm-eval's <c>doc_id</c>), shown in the worst-question and label-error lists.</summary>
    public required long QuestionId { get; init; }

    /// <summary>lls: Σ ln p over each choice's continuation tokens, in choice order; at least one choice.</summary>
    public required IReadOnlyList<double> LogLikelihoods { get; init; }

    /// <summary>The index of the right choice.</summary>
    public required int Gold { get; init; }

    /// <summary>Each choice's length in characters, as Python's <c>len</c> counts them (Unicode code points), for
    /// <c>acc_norm</c>; null leaves <c>acc_norm</c> out.</summary>
    public IReadOnlyList<int>? CharacterLengths { get; init; }

    /// <summary>Each choice's UTF-8 length in bytes, for <c>acc_bytes</c>; null leaves it out.</summary>
    public IReadOnlyList<int>? ByteLengths { get; init; }

    /// <summary>Each choice's log-likelihood without the question (lm-eval's unconditional "dry run"), for
    /// <c>acc_mutual_info</c>; null leaves it out.</summary>
    public IReadOnlyList<double>? UnconditionalLogLikelihoods { get; init; }

    /// <summary>Scores the question with lm-evaluation-harness's definitions (<c>ConfigurableTask.process_results</c>):
    /// pred = argmax lls, pred_norm = argmax lls/characters, pred_bytes = argmax lls/bytes, pred_mi = argmax (lls −
    /// unconditional lls), each an accuracy of 1 when it is the gold index; p = softmax(lls) (max subtracted first);
    /// Brier = Σ_c (p_c − [c = gold])². Argmax is numpy's: the first maximum, and the first NaN if there is one.</summary>
    /// <exception cref="ArgumentException">No choice, a gold index out of range, or length lists of another count; the
    /// message names the question.</exception>
    public MultipleChoiceOutcome Score()
    {
        int n = LogLikelihoods?.Count ?? 0;
        if (n == 0)
        {
            throw new ArgumentException($"Question {QuestionId} has no choices.", nameof(LogLikelihoods));
        }

        if ((uint)Gold >= (uint)n)
        {
            throw new ArgumentException($"Question {QuestionId} has gold index {Gold}, outside its {n} choices.", nameof(Gold));
        }

        foreach ((object? list, int count, string name) in new (object?, int, string)[]
        {
            (CharacterLengths, CharacterLengths?.Count ?? 0, "character lengths"), (ByteLengths, ByteLengths?.Count ?? 0, "byte lengths"),
            (UnconditionalLogLikelihoods, UnconditionalLogLikelihoods?.Count ?? 0, "unconditional log-likelihoods"),
        })
        {
            if (list is not null && count != n)
            {
                throw new ArgumentException($"Question {QuestionId} has {n} choices but {count} {name}.", name);
            }
        }

        double[] lls = [.. LogLikelihoods!];
        int prediction = ArgMax(lls);
        int? normalized = CharacterLengths is null ? null : ArgMax([.. lls.Select((ll, c) => ll / CharacterLengths[c])]);
        int? bytes = ByteLengths is null ? null : ArgMax([.. lls.Select((ll, c) => ll / ByteLengths[c])]);
        int? mutual = UnconditionalLogLikelihoods is null ? null : ArgMax([.. lls.Select((ll, c) => ll - UnconditionalLogLikelihoods[c])]);
        double max = lls.Max();
        double[] p = [.. lls.Select(ll => Math.Exp(ll - max))];
        double total = p.Sum();
        double brier = 0;
        for (int c = 0; c < n; c++)
        {
            p[c] /= total;
            double d = p[c] - (c == Gold ? 1 : 0);
            brier += d * d;
        }

        return new MultipleChoiceOutcome(QuestionId, n, Gold, prediction, normalized, bytes, mutual, brier, p[Gold], p[prediction], lls[Gold]);
    }

    /// <summary>numpy's argmax: the first index of the maximum, or of the first NaN.</summary>
    internal static int ArgMax(double[] values)
    {
        int best = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsNaN(values[i]))
            {
                return i;
            }

            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
