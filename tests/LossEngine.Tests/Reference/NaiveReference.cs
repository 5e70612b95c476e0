namespace LossEngine.Tests.Reference;

/// <summary>The textbook two-pass definitions in float64, written independently of the library.</summary>
public static class NaiveReference
{
    public static double LogSumExp(double[] x)
    {
        double max = double.NegativeInfinity;
        foreach (double v in x)
        {
            max = Math.Max(max, v);
        }

        if (double.IsNegativeInfinity(max))
        {
            return double.NegativeInfinity;
        }

        double sum = 0;
        foreach (double v in x)
        {
            sum += Math.Exp(v - max);
        }

        return max + Math.Log(sum);
    }

    public static double Entropy(double[] x)
    {
        double lse = LogSumExp(x);
        double h = 0;
        foreach (double v in x)
        {
            if (!double.IsNegativeInfinity(v))
            {
                double logP = v - lse;
                h -= Math.Exp(logP) * logP;
            }
        }

        return h;
    }

    public static int ArgMax(double[] x)
    {
        int best = 0;
        for (int i = 1; i < x.Length; i++)
        {
            if (x[i] > x[best])
            {
                best = i;
            }
        }

        return best;
    }

    public static int Rank(double[] x, int target)
    {
        int rank = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] > x[target] || (x[i] == x[target] && i < target))
            {
                rank++;
            }
        }

        return rank;
    }

    public static double[] LogSoftmax(double[] x)
    {
        double lse = LogSumExp(x);
        return x.Select(v => v - lse).ToArray();
    }

    /// <summary>The library's stated bound for log-sum-exp and loss.</summary>
    public static double LogSumExpTolerance(double referenceLogSumExp) => (1e-7 * Math.Abs(referenceLogSumExp)) + 2e-6;

    /// <summary>The library's stated bound for the loss: as for log-sum-exp, but scaled by the larger of |LSE| and |loss|,
    /// because the loss is returned as a float and rounding it alone costs up to 6e-8·|loss| (a loss of 67 with an
    /// LSE of 6 cannot be represented within 1e-7·6 + 2e-6).</summary>
    public static double LossTolerance(double referenceLogSumExp, double referenceLoss) =>
        (1e-7 * Math.Max(Math.Abs(referenceLogSumExp), Math.Abs(referenceLoss))) + 2e-6;

    /// <summary>The library's stated bound for entropy.</summary>
    public static double EntropyTolerance(double referenceEntropy) => 2e-6 * Math.Max(1, referenceEntropy);

    /// <summary>torch.nn.functional.cross_entropy for one row, written from its documentation: logits divided by T,
    /// (1−ε)·NLL + ε·(−Σ log_softmax / V), plus PaLM's z-loss c·LSE².</summary>
    public static double CrossEntropy(double[] x, int target, double temperature, double labelSmoothing, double zLoss)
    {
        double[] scaled = x.Select(v => v / temperature).ToArray();
        double lse = LogSumExp(scaled);
        double nll = lse - scaled[target];
        double loss = nll;
        if (labelSmoothing > 0)
        {
            double smooth = -scaled.Select(v => v - lse).Sum() / x.Length;
            loss = ((1 - labelSmoothing) * nll) + (labelSmoothing * smooth);
        }

        return loss + (zLoss * lse * lse);
    }

    /// <summary>KL(p‖q) = Σ p (log p − log q) over the entries where p &gt; 0; +∞ if q = 0 there.</summary>
    public static double KlDivergence(double[] reference, double[] candidate)
    {
        double lseA = LogSumExp(reference);
        double lseB = LogSumExp(candidate);
        double kl = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            if (double.IsNegativeInfinity(reference[i]))
            {
                continue;
            }

            if (double.IsNegativeInfinity(candidate[i]))
            {
                return double.PositiveInfinity;
            }

            double logP = reference[i] - lseA;
            kl += Math.Exp(logP) * (logP - (candidate[i] - lseB));
        }

        return kl;
    }
}
