namespace LossEngine.Aggregation;

/// <summary>One of a task's worst examples: the example with the highest mean token loss.</summary>
/// <param name="Task">The task's name.</param>
/// <param name="ExampleId">The example id as given.</param>
/// <param name="FirstPosition">The position of its first token in the stream.</param>
/// <param name="LastPosition">The position of its last token.</param>
/// <param name="Tokens">Its number of scored tokens.</param>
/// <param name="MeanLoss">Its mean token loss, nats.</param>
/// <param name="WorstPosition">The position of its highest-loss token.</param>
/// <param name="WorstLoss">That token's loss.</param>
/// <param name="Target">That token's target id (−1 if targets were not given).</param>
/// <param name="ArgMax">The model's top-1 token there.</param>
/// <param name="ArgMaxProbability">The model's probability for its top-1 token there.</param>
public sealed record WorstExample(string Task, long ExampleId, long FirstPosition, long LastPosition, long Tokens, double MeanLoss, long WorstPosition, double WorstLoss, long Target, int ArgMax, double ArgMaxProbability);
