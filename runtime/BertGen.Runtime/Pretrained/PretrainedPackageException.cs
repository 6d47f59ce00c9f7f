using System;

namespace BertGen.Runtime.Pretrained;

/// <summary>A pretrained-model package is missing, unreadable or lacks an expected resource; the message says which and where it looked.</summary>
public sealed class PretrainedPackageException : Exception
{
    public PretrainedPackageException(string message)
        : base(message)
    {
    }

    public PretrainedPackageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
