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
public sealed record WorstExample(string Task, long ExampleId, long FirstPosition, long LastPosition, long Tokens, double MeanLoss, long WorstPosition, double WorstLoss, int Target, int ArgMax, double ArgMaxProbability);

/// <summary>A token where the model is confident in another token and finds the target very unlikely: a candidate
/// label error to read by hand.</summary>
/// <param name="Task">The task's name.</param>
/// <param name="ExampleId">The example id.</param>
/// <param name="Position">The token's position in the stream.</param>
/// <param name="Loss">Its loss, nats.</param>
/// <param name="Target">The target id (−1 if targets were not given).</param>
/// <param name="TargetRank">The target's rank.</param>
/// <param name="ArgMax">The model's top-1 token.</param>
/// <param name="ArgMaxProbability">The model's probability for it.</param>
public sealed record PossibleLabelError(string Task, long ExampleId, long Position, double Loss, int Target, int TargetRank, int ArgMax, double ArgMaxProbability);
