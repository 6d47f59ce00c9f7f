using System;

namespace BertGen.Runtime.Weights;

/// <summary>
/// A weight file or a weight set does not fit what was asked of it: a corrupt or truncated file, an
/// unsupported dtype, a missing, unknown or misshapen tensor. The message is one line and names the
/// tensor (or the header field) at fault.
/// </summary>
public sealed class WeightFileException : Exception
{
    public WeightFileException(string message)
        : base(message)
    {
    }

    public WeightFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
