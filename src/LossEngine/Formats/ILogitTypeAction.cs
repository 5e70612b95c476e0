namespace LossEngine.Formats;

/// <summary>
/// A computation written once, generically over the logit element type, and run for an element type known only at run
/// time by <see cref="TensorDataTypes.Dispatch{TAction, TResult}(TensorDataType, TAction)"/>. Implement it as a struct
/// that carries its arguments, so the generic call is specialised for each element type.
/// </summary>
/// <typeparam name="TResult">What the computation returns.</typeparam>
public interface ILogitTypeAction<out TResult>
{
    /// <summary>Runs the computation for logits of type <typeparamref name="T"/>: <see cref="float"/>,
    /// <see cref="Half"/> or <see cref="BFloat16"/>.</summary>
    TResult Invoke<T>()
        where T : unmanaged;
}
