namespace LossEngine.Tests.Reference;

/// <summary>Conversions between float and each element type under test.</summary>
public interface IElementType<T>
    where T : unmanaged
{
    static abstract T FromSingle(float value);

    static abstract float ToSingle(T value);
}

public readonly struct SingleElement : IElementType<float>
{
    public static float FromSingle(float value) => value;

    public static float ToSingle(float value) => value;
}

public readonly struct HalfElement : IElementType<Half>
{
    public static Half FromSingle(float value) => (Half)value;

    public static float ToSingle(Half value) => (float)value;
}

public readonly struct BFloat16Element : IElementType<BFloat16>
{
    public static BFloat16 FromSingle(float value) => (BFloat16)value;

    public static float ToSingle(BFloat16 value) => (float)value;
}
