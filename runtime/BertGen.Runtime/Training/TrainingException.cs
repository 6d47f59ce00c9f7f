using System;

namespace BertGen.Runtime.Training;

/// <summary>The trainer was configured inconsistently or a batch source broke its contract.</summary>
public sealed class TrainingException : Exception
{
    public TrainingException(string message)
        : base(message)
    {
    }
}
