namespace LossEngine.Pipeline;

/// <summary>Receives each batch of scored rows, in row order, on the thread that called
/// <see cref="DumpScorer.Score(IReadOnlyList{Formats.EvalDump}, DumpScoringOptions?, IProgress{ScoringProgress}?, ScoredRowsHandler?, CancellationToken)"/>:
/// for example to write every token's loss to a file. The span is valid only during the call.</summary>
/// <param name="firstRow">The index of the batch's first row, counted over all dumps of the run.</param>
/// <param name="rows">The rows' statistics; ignored rows are <see cref="TokenStatistics.Ignored"/>.</param>
public delegate void ScoredRowsHandler(long firstRow, ReadOnlySpan<TokenStatistics> rows);
