using System;

namespace BertGen.Runtime.Distributed;

/// <summary>Data-parallel training could not start or a collective failed: Open MPI missing, a peer gone, a misuse.</summary>
public sealed class DataParallelException : Exception
{
    /// <summary>
    /// Set in <see cref="Exception.Data"/> of an error a non-zero rank throws that rank 0 holds too: rank 0 failed (it
    /// alone reads and writes checkpoints) and relayed it, or every rank read its data as one step and one of them failed.
    /// Every rank fails the same way, and a command line reports it once, from rank 0.
    /// </summary>
    public const string RelayedFromRootKey = "BertGen.RelayedFromRoot";

    public DataParallelException(string message)
        : base(message)
    {
    }

    public DataParallelException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
