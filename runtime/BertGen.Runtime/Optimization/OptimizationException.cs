using System;

namespace BertGen.Runtime.Optimization;

/// <summary>An optimiser was given inconsistent buffers, settings or state, or a non-finite gradient.</summary>
public sealed class OptimizationException : Exception
{
    public OptimizationException(string message)
        : base(message)
    {
    }
}
