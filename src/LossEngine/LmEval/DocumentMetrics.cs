namespace LossEngine.LmEval;

/// <summary>
/// One task's document-level log-likelihood metrics from lm-evaluation-harness's <c>loglikelihood</c> and
/// <c>loglikelihood_rolling</c> samples, with lm-eval's formulas: <c>perplexity</c> = exp(−mean ll),
/// <c>word_perplexity</c> = exp(−Σ ll / Σ words), <c>byte_perplexity</c> = exp(−Σ ll / Σ bytes),
/// <c>bits_per_byte</c> = −Σ ll / Σ bytes / ln 2, <c>acc</c> = mean is_greedy.
/// </summary>
public sealed record DocumentMetrics
{
    /// <summary>The task's name.</summary>
    public required string Task { get; init; }

    /// <summary>"loglikelihood" or "loglikelihood_rolling".</summary>
    public required string OutputType { get; init; }

    /// <summary>Documents.</summary>
    public long Documents { get; init; }

    /// <summary>The mean log-likelihood per document, nats.</summary>
    public double MeanLogLikelihood { get; init; }

    /// <summary>Its standard error (sample standard deviation / √n).</summary>
    public double MeanLogLikelihoodStandardError { get; init; }

    /// <summary>lm-eval's <c>perplexity</c> of loglikelihood tasks: exp(−mean ll), document-level; NaN for rolling tasks,
    /// where lm-eval reports the word and byte perplexities instead.</summary>
    public double Perplexity { get; init; }

    /// <summary>exp(−Σ ll / Σ words); NaN without word counts.</summary>
    public double WordPerplexity { get; init; }

    /// <summary>exp(−Σ ll / Σ bytes); NaN without byte counts.</summary>
    public double BytePerplexity { get; init; }

    /// <summary>−Σ ll / Σ bytes / ln 2; NaN without byte counts.</summary>
    public double BitsPerByte { get; init; }

    /// <summary>lm-eval's <c>acc</c> of loglikelihood tasks: the share of documents whose continuation is the greedy
    /// one; NaN for rolling tasks.</summary>
    public double Accuracy { get; init; }

    /// <summary>Its standard error.</summary>
    public double AccuracyStandardError { get; init; }

    /// <summary>The task's share of the negative log-likelihood of every document-level task.</summary>
    public double ShareOfNegativeLogLikelihood { get; init; }

    /// <summary>The documents with the lowest log-likelihood per byte (per document without bytes), worst first.</summary>
    public IReadOnlyList<DocumentOutcome> WorstDocuments { get; init; } = [];
}

/// <summary>One document of a log-likelihood task.</summary>
/// <param name="DocumentId">lm-eval's <c>doc_id</c>.</param>
/// <param name="LogLikelihood">Its log-likelihood, nats.</param>
/// <param name="Bytes">Its continuation's UTF-8 bytes, or −1 when unknown.</param>
/// <param name="IsGreedy">Whether the continuation is the greedy one (null for rolling tasks).</param>
public sealed record DocumentOutcome(long DocumentId, double LogLikelihood, long Bytes, bool? IsGreedy);
