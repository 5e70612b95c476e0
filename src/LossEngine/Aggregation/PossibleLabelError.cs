namespace LossEngine.Aggregation;

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
public sealed record PossibleLabelError(string Task, long ExampleId, long Position, double Loss, long Target, int TargetRank, int ArgMax, double ArgMaxProbability);
