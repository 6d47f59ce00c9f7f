using System;
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

        // Header: failed (0 or 1), the result's length; then the result. A failure is then relayed as CollectiveStep's are.
        Span<byte> header = stackalloc byte[5];
        if (group.Rank == 0)
        {
            try
            {
                payload = onRoot();
            }
            catch (Exception e)
            {
                failure = e;
            }

            header[0] = failure is null ? (byte)0 : (byte)1;
            BitConverter.TryWriteBytes(header[1..], payload.Length);
        }

        group.Broadcast(header, root: 0);
        if (header[0] != 0)
        {
            throw CollectiveStep.Relay(group, root: 0, group.Rank == 0 ? describe(failure!) : default, failure, rebuild);
        }

        if (group.Rank != 0)
        {
            payload = new byte[BitConverter.ToInt32(header[1..])];
        }

        group.Broadcast(payload, root: 0);
        return payload;
    }
}
