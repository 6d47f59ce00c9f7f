using System;

namespace BertGen.Generator.Planning;

/// <summary>The buffer an <see cref="Operand"/> points into.</summary>
internal enum OperandBase
{
    /// <summary>The step's activation arena; <see cref="Operand.Name"/> is the buffer's planned name (<c>qkv_0</c>).</summary>
    Arena,

    /// <summary>The model's parameters; the name is the tensor's HuggingFace name.</summary>
    Parameters,

    /// <summary>The model's gradients, laid out like the parameters; the name is the HuggingFace name.</summary>
    Gradients,

    /// <summary>The packed weights; the name is a packed layer's key, its bias being <c>key</c> + <c>Bias</c>.</summary>
    PackedWeights,

    /// <summary>The int8 weights; the name is a packed layer's key (its panels, read as bytes), its bias being <c>key</c> + <c>Bias</c>.</summary>
    QuantizedWeights,

    /// <summary>A pointer the kernel already holds (<c>q</c>, <c>work->Context</c>); the name is the expression.</summary>
    Local,
}

/// <summary>A float pointer a planned op reads or writes: a base, a name in it, and a float offset from there.</summary>
internal sealed record Operand(OperandBase Base, string Name, long Offset = 0) : IEquatable<Operand>
{
    public static Operand Arena(string buffer, long offset = 0) => new(OperandBase.Arena, buffer, offset);

    public static Operand Parameter(string name) => new(OperandBase.Parameters, name);

    public static Operand Gradient(string name) => new(OperandBase.Gradients, name);

    public static Operand PackedWeight(PackedLinear linear) => new(OperandBase.PackedWeights, linear.Key);

    public static Operand PackedBias(PackedLinear linear) => new(OperandBase.PackedWeights, linear.Key + "Bias");

    public static Operand QuantizedWeight(PackedLinear linear) => new(OperandBase.QuantizedWeights, linear.Key);

    public static Operand QuantizedBias(PackedLinear linear) => new(OperandBase.QuantizedWeights, linear.Key + "Bias");

    public static Operand Local(string expression) => new(OperandBase.Local, expression);

    /// <summary>This operand <paramref name="floats"/> further on.</summary>
    public Operand Plus(long floats) => this with { Offset = Offset + floats };

    /// <summary>The arena buffer it points into, or null.</summary>
    public string? ArenaBuffer => Base == OperandBase.Arena ? Name : null;
}
