using System;
using System.Linq;
using System.Text;

namespace BertGen.Generator.Emitting;

/// <summary>
/// The identifiers generated code gives planned things: arena buffers, parameter tensors and packed layers become
/// named offset constants, the way a hand-written kernel file names its tensors instead of writing numbers.
/// </summary>
internal static class CodeNames
{
    /// <summary>The model's nested class of parameter offsets (also the gradients' offsets).</summary>
    public const string ParameterOffsets = "ParameterOffset";

    /// <summary>The model's nested class of packed-weight offsets.</summary>
    public const string PackedOffsets = "PackedOffset";

    /// <summary>The model's nested class of int8-weight offsets.</summary>
    public const string QuantizedOffsets = "QuantizedOffset";

    /// <summary><c>qkv_0</c> → <c>Qkv0Offset</c>.</summary>
    public static string ArenaOffset(string buffer) => Pascal(buffer.Split('_')) + "Offset";

    /// <summary>
    /// A HuggingFace tensor name as an identifier: <c>bert.encoder.layer.0.attention.self.query.weight</c> →
    /// <c>Layer0AttentionSelfQueryWeight</c> (the <c>bert.</c> prefix and <c>encoder.</c> dropped, every part capitalised).
    /// </summary>
    public static string Parameter(string name)
    {
        string tail = name.StartsWith("bert.", StringComparison.Ordinal) ? name.Substring("bert.".Length) : name;
        if (tail.StartsWith("encoder.layer.", StringComparison.Ordinal))
        {
            tail = "layer" + tail.Substring("encoder.layer.".Length);
        }

        return Pascal(tail.Split('.', '_'));
    }

    private static string Pascal(string[] parts)
    {
        var sb = new StringBuilder();
        foreach (string part in parts.Where(p => p.Length > 0))
        {
            sb.Append(char.ToUpperInvariant(part[0])).Append(part, 1, part.Length - 1);
        }

        return sb.ToString();
    }
}
