using System;

namespace BertGen.Runtime.Threading;

/// <summary>
/// A <see cref="ComputePool"/> was misused: a bad thread or part count, a dispatch from inside a dispatch or
/// from two threads at once, or a dispatch after disposal. Also wraps nothing: an exception thrown by a
/// work item is rethrown as itself on the dispatching thread.
/// </summary>
internal sealed class ComputePoolException : InvalidOperationException
{
    /// <summary>Creates the exception with a one-line description of the problem.</summary>
    public ComputePoolException(string message)
        : base(message)
    {
    }
}
