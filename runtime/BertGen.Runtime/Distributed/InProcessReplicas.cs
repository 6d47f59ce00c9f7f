using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace BertGen.Runtime.Distributed;

/// <summary>
/// Data-parallel training inside one process: N replicas of a model, each on its own thread with its own parameters,
/// gradients, activations and compute pool, trained as <c>mpirun -np N</c> would train N processes (each step takes N
/// micro-batches; gradients are summed over shared memory). On a small model this keeps each core on its own
/// sequences instead of splitting every operation between them (bench/README.md, "Replicas in one process").
/// </summary>
/// <example>
/// <code>
/// JobResult result = InProcessReplicas.Run(2, group =>
/// {
///     using var pool = new ComputePool(1);
///     using var model = new BertMini(pool);
///     return PretrainingJob.Run(model, options, sink: group.Rank == 0 ? sink : null, group: group);
/// });
/// </code>
/// </example>
public static class InProcessReplicas
{
    /// <summary>
    /// Runs <paramref name="replica"/> once per rank, rank 0 on the calling thread and the others on threads of their
    /// own, each given its member of one group, and returns rank 0's result when all have returned. Every replica must
    /// make the same collective calls (build the same model and job); rank 0's parameters are the ones the trainer
    /// broadcasts. When a replica throws, the others stop at their next collective and this throws the first error that
    /// is not only a consequence of another's (rank 0's when it has one).
    /// </summary>
    /// <param name="replicas">Replicas, at least 1 (1 runs <paramref name="replica"/> with a group of one).</param>
    /// <param name="replica">One replica's whole run, given its member of the group: build the model, train, return.</param>
    public static T Run<T>(int replicas, Func<IDataParallelGroup, T> replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        if (replicas < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(replicas), replicas, "at least one replica");
        }

        InProcessGroup[] members = InProcessGroup.Create(replicas);
        var failures = new Exception?[replicas];
        var threads = new Thread[replicas - 1];
        for (int r = 1; r < replicas; r++)
        {
            InProcessGroup member = members[r];
            threads[r - 1] = new Thread(() => RunOne(member, replica, failures)) { IsBackground = true, Name = $"BertGen replica {r}" };
            threads[r - 1].Start();
        }

        T result = RunOne(members[0], replica, failures);
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Exception? first = Array.Find(failures, e => e is not null && !e.Data.Contains(DataParallelException.RelayedFromRootKey))
            ?? Array.Find(failures, e => e is not null);
        if (first is not null)
        {
            ExceptionDispatchInfo.Capture(first).Throw();
        }

        return result;
    }

    private static T RunOne<T>(InProcessGroup member, Func<IDataParallelGroup, T> replica, Exception?[] failures)
    {
        try
        {
            return replica(member);
        }
        catch (Exception e)
        {
            failures[member.Rank] = e;
            member.Fail();
            return default!;
        }
    }
}
