namespace BertGen.Generator.Emitting;

/// <summary>
/// Writes the same kernel for one SIMD width: <c>Vector512</c> (16 lanes), <c>Vector256</c> (8 lanes) or
/// scalar (1). Emitted kernels branch on <c>IsHardwareAccelerated</c>, which the JIT folds to a constant, so
/// only the widest available path survives in machine code.
/// </summary>
internal sealed class VectorWidth
{
    public static readonly VectorWidth V512 = new(16, "Vector512");
    public static readonly VectorWidth V256 = new(8, "Vector256");
    public static readonly VectorWidth Scalar = new(1, "float");

    private readonly string _static;

    private VectorWidth(int lanes, string staticType)
    {
        Lanes = lanes;
        _static = staticType;
    }

    /// <summary>The paths in the order kernels test for them.</summary>
    public static VectorWidth[] All { get; } = { V512, V256, Scalar };

    public int Lanes { get; }

    public bool IsScalar => Lanes == 1;

    /// <summary>The condition that selects this path, or null for the scalar fallback.</summary>
    public string? Condition => IsScalar ? null : _static + ".IsHardwareAccelerated";

    public string Type => IsScalar ? "float" : _static + "<float>";

    public string Zero => IsScalar ? "0f" : Type + ".Zero";

    public string Load(string pointer) => IsScalar ? $"*({pointer})" : $"{_static}.Load({pointer})";

    public string Store(string value, string pointer) => IsScalar ? $"*({pointer}) = {value};" : $"{_static}.Store({value}, {pointer});";

    public string Splat(string scalar) => IsScalar ? scalar : $"{_static}.Create({scalar})";

    public string Fma(string a, string b, string c) => IsScalar
        ? $"MathF.FusedMultiplyAdd({a}, {b}, {c})"
        : $"{_static}.FusedMultiplyAdd({a}, {b}, {c})";

    public string Sum(string vector) => IsScalar ? vector : $"{_static}.Sum({vector})";

    public string Max(string a, string b) => IsScalar ? $"MathF.Max({a}, {b})" : $"{_static}.Max({a}, {b})";

    /// <summary>The largest lane (the runtime's HorizontalMax: .NET has no vector-wide max).</summary>
    public string MaxAcross(string vector) => IsScalar ? vector : $"HorizontalMax.Of({vector})";

    /// <summary>exp of a non-positive argument (softmax's x − max): the runtime's range-reduced series, not .NET's slower Exp.</summary>
    public string ExpNonPositive(string vector) => IsScalar ? $"MathF.Exp({vector})" : $"ActivationMath.ExpNonPositive({vector})";

    /// <summary>Full vectors that fit in <paramref name="length"/>, in elements.</summary>
    public int FullLength(int length) => length / Lanes * Lanes;
}
