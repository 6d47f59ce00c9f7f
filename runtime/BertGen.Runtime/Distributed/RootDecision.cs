using System;
using System.Runtime.ExceptionServices;
using System.Text;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Training;

namespace BertGen.Runtime.Distributed;

/// <summary>
/// Work only rank 0 does (reading or writing a checkpoint: it alone touches the checkpoint folder) whose outcome every
/// rank needs: rank 0 runs it and broadcasts either its result bytes or its error, and every rank returns the same
/// bytes or throws the same error. A failure on rank 0 thus ends every rank with one clear message instead of leaving
/// the others waiting in the next collective. The counterpart of <see cref="CollectiveStep"/>, where every rank works.
/// </summary>
internal static class RootDecision
{
    private const byte CheckpointError = 1, OtherError = 2;

    /// <summary>Runs <paramref name="onRoot"/> on rank 0 of <paramref name="group"/>; a checkpoint's error reaches the
    /// other ranks as a <see cref="CheckpointException"/>, any other as a <see cref="TrainingException"/>, with its message.</summary>
    /// <exception cref="Exception">Rank 0's own error on rank 0, relayed on the others.</exception>
    public static byte[] Run(IDataParallelGroup group, Func<byte[]> onRoot) =>
        Run(group, onRoot,
            e => e is CheckpointException ? (CheckpointError, e.Message) : (OtherError, CollectiveStep.Describe(e)),
            (kind, message) => kind == CheckpointError ? new CheckpointException(message) : new TrainingException(message));

    /// <summary>As <see cref="Run(IDataParallelGroup, Func{byte[]})"/>, with how an error crosses to the other ranks:
    /// <paramref name="describe"/> gives its kind (a byte the two functions agree on) and one-line message,
    /// <paramref name="rebuild"/> makes the error the other ranks throw of them.</summary>
    public static byte[] Run(IDataParallelGroup group, Func<byte[]> onRoot, Func<Exception, (byte Kind, string Message)> describe, Func<byte, string, Exception> rebuild)
    {
        byte[] payload = Array.Empty<byte>();
        Exception? failure = null;

        // Header: failed (0 or 1), the error's kind, the payload's length; then the payload (the result, or the message).
        Span<byte> header = stackalloc byte[6];
        if (group.Rank == 0)
        {
            try
            {
                payload = onRoot();
            }
            catch (Exception e)
            {
                failure = e;
                (header[1], string message) = describe(e);
                payload = Encoding.UTF8.GetBytes(message);
            }

            header[0] = failure is null ? (byte)0 : (byte)1;
            BitConverter.TryWriteBytes(header[2..], payload.Length);
        }

        group.Broadcast(header, root: 0);
        if (group.Rank != 0)
        {
            payload = new byte[BitConverter.ToInt32(header[2..])];
        }

        group.Broadcast(payload, root: 0);
        if (header[0] == 0)
        {
            return payload;
        }

        // Every rank holds the error before rank 0 goes on to report it and end the job: a rank still on its way here
        // when the job ends would say only that mpirun stopped it, a second line beside rank 0's.
        group.Barrier();
        if (group.Rank == 0)
        {
            ExceptionDispatchInfo.Throw(failure!);
        }

        Exception error = rebuild(header[1], Encoding.UTF8.GetString(payload));
        error.Data[DataParallelException.RelayedFromRootKey] = true;
        throw error;
    }
}
