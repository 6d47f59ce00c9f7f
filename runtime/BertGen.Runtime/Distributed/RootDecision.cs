using System;
using System.Text;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Training;

namespace BertGen.Runtime.Distributed;

/// <summary>
/// Work only rank 0 does (reading or writing a checkpoint: it alone touches the checkpoint folder) whose outcome every
/// rank needs: rank 0 runs it and broadcasts either its result bytes or its error, and every rank returns the same
/// bytes or throws the same error. A failure on rank 0 thus ends every rank with one clear message instead of leaving
/// the others waiting in the next collective.
/// </summary>
internal static class RootDecision
{
    private const byte Succeeded = 0, FailedCheckpoint = 1, FailedTraining = 2;

    public static byte[] Run(IDataParallelGroup group, Func<byte[]> onRoot)
    {
        byte[] payload = Array.Empty<byte>();
        byte outcome = Succeeded;
        if (group.Rank == 0)
        {
            try
            {
                payload = onRoot();
            }
            catch (CheckpointException e)
            {
                (outcome, payload) = (FailedCheckpoint, Encoding.UTF8.GetBytes(e.Message));
            }
            catch (TrainingException e)
            {
                (outcome, payload) = (FailedTraining, Encoding.UTF8.GetBytes(e.Message));
            }
        }

        // Header: outcome and payload length; then the payload.
        Span<byte> header = stackalloc byte[5];
        header[0] = outcome;
        BitConverter.TryWriteBytes(header[1..], payload.Length);
        group.Broadcast(header, root: 0);
        outcome = header[0];
        int length = BitConverter.ToInt32(header[1..]);
        if (group.Rank != 0)
        {
            payload = new byte[length];
        }

        group.Broadcast(payload, root: 0);
        if (outcome == Succeeded)
        {
            return payload;
        }

        // Every rank holds the error before rank 0 goes on to report it and end the job: a rank still on its way here
        // when the job ends would say only that mpirun stopped it, a second line beside rank 0's.
        group.Barrier();
        Exception error = outcome == FailedCheckpoint
            ? new CheckpointException(Encoding.UTF8.GetString(payload))
            : new TrainingException(Encoding.UTF8.GetString(payload));
        if (group.Rank != 0)
        {
            error.Data[DataParallelException.RelayedFromRootKey] = true;
        }

        throw error;
    }
}
