using System;

namespace BertGen.Runtime.Inference;

/// <summary>Inputs that do not fit the compiled model: wrong length, an id out of range, a bad mask value.</summary>
public sealed class BertInputException : ArgumentException
{
    public BertInputException(string message)
        : base(message)
    {
    }
}
