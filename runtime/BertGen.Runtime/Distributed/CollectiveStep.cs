using System;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Text;
using BertGen.Runtime.Training;

namespace BertGen.Runtime.Distributed;

/// <summary>
/// Work every rank does itself — reading its own copy of the data, which is a file on its own machine — whose failure on
/// any rank must end every rank the same way: each runs it, then all agree whether someone failed, and if so every rank
/// throws the error of the lowest failing rank (rank 0's when all fail alike, as they normally do; another rank's names
/// that rank). A rank failing alone would otherwise end the job with its own line and leave the others to say only that
/// mpirun stopped them, or to wait in the next collective. The counterpart of <see cref="RootDecision"/>, where rank 0
/// alone does the work.
/// </summary>
internal static class CollectiveStep
{
    /// <summary>Runs <paramref name="work"/> on every rank of <paramref name="group"/> (this process alone without one);
    /// an error reaches the other ranks as a <see cref="TrainingException"/> with its message.</summary>
    /// <exception cref="Exception">This rank's own error, or the lowest failing rank's relayed.</exception>
    public static T Run<T>(IDataParallelGroup? group, Func<T> work) =>
        Run(group, work, e => (0, Describe(e)), (_, message) => new TrainingException(message));

    /// <summary>As <see cref="Run{T}(IDataParallelGroup?, Func{T})"/>, with how an error crosses to the other ranks:
    /// <paramref name="describe"/> gives its kind (a byte the two functions agree on) and one-line message,
    /// <paramref name="rebuild"/> makes the error the other ranks throw of them.</summary>
    public static T Run<T>(IDataParallelGroup? group, Func<T> work, Func<Exception, (byte Kind, string Message)> describe, Func<byte, string, Exception> rebuild)
    {
        if (group is not { Size: > 1 })
        {
            return work();
        }

        T value = default!;
        Exception? failure = null;
        try
        {
            value = work();
        }
        catch (Exception e)
        {
            failure = e;
        }

        // Each rank marks its own slot: the sum names the ranks that failed.
        var failed = new double[group.Size];
        failed[group.Rank] = failure is null ? 0 : 1;
        group.AllReduceSum(failed);
        int[] ranks = Enumerable.Range(0, group.Size).Where(r => failed[r] != 0).ToArray();
        if (ranks.Length == 0)
        {
            return value;
        }

        // The lowest failing rank sends its error. Rank 0 reports its own as it is; another's names it (and any others that
        // failed: the reason is the lowest one's).
        int first = ranks[0];
        (byte Kind, string Message) sent = default;
        if (group.Rank == first)
        {
            (byte kind, string message) = describe(failure!);
            string others = ranks.Length == 1 ? string.Empty : $" (rank{(ranks.Length == 2 ? "" : "s")} {string.Join(", ", ranks.Skip(1))} failed too)";
            sent = (kind, first == 0 ? message : $"{Name(group)}: {message}{others}");
        }

        throw Relay(group, first, sent, failure, rebuild);
    }

    /// <summary>
    /// Sends the error of rank <paramref name="root"/> (its kind and one-line message, given on that rank) to every rank,
    /// and waits until all hold it: a rank still on its way when rank 0 reports it and ends the job would say only that
    /// mpirun stopped it, a second line beside rank 0's. Then every rank throws: one that failed itself its own error (with
    /// the stack it was thrown with: --verbose prints it), the others the one <paramref name="rebuild"/> makes of the
    /// message; every rank but 0, which reports it, marks its error relayed. Returns nothing: it always throws (the return
    /// type lets a caller write <c>throw Relay(…)</c>).
    /// </summary>
    internal static Exception Relay(IDataParallelGroup group, int root, (byte Kind, string Message) error, Exception? own, Func<byte, string, Exception> rebuild)
    {
        // Header: the error's kind, the message's length; then the message.
        Span<byte> header = stackalloc byte[5];
        byte[] message = Array.Empty<byte>();
        if (group.Rank == root)
        {
            message = Encoding.UTF8.GetBytes(error.Message);
            header[0] = error.Kind;
            BitConverter.TryWriteBytes(header[1..], message.Length);
        }

        group.Broadcast(header, root: root);
        if (group.Rank != root)
        {
            message = new byte[BitConverter.ToInt32(header[1..])];
        }

        group.Broadcast(message, root: root);
        group.Barrier();
        Exception thrown = own ?? rebuild(header[0], Encoding.UTF8.GetString(message));
        if (group.Rank != 0)
        {
            thrown.Data[DataParallelException.RelayedFromRootKey] = true;
        }

        if (own is not null)
        {
            ExceptionDispatchInfo.Throw(own);
        }

        throw thrown;
    }

    // "rank 1 on node2", as the command line names a rank in its own errors.
    private static string Name(IDataParallelGroup group) =>
        group is OpenMpiGroup processes ? $"rank {group.Rank} on {processes.Host}" : $"rank {group.Rank}";

    /// <summary>An error's one line for the other ranks: the library's own errors and the file system's are one line
    /// already; any other exception is a bug, named by its type.</summary>
    internal static string Describe(Exception exception) =>
        exception is SystemException and not (IOException or UnauthorizedAccessException or OutOfMemoryException)
            ? $"internal error ({exception.GetType().Name}): {exception.Message}"
            : exception.Message;
}
