using System;

namespace BertGen.Runtime.Checkpoints;

/// <summary>A checkpoint is missing, belongs to another model, or is corrupted; the message names the file and the problem.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string message)
        : base(message)
    {
    }

    public CheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
