using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Training;

namespace BertGen.Cli.Training;

/// <summary>
/// How this <c>bertgen</c> process takes part in a data-parallel job. Started by Open MPI's <c>mpirun</c> (which sets
/// OMPI_COMM_WORLD_*), <c>pretrain</c> and <c>finetune</c> join the job's group and train one model together; started
/// any other way nothing here loads libmpi. Rank 0 writes checkpoints, metrics and the plot and shows progress; the
/// other ranks are silent unless they fail themselves. A process that fails while the others may be inside a collective
/// ends the whole job (MPI_Abort) instead of leaving them waiting. When mpirun stops the job, one line says so: that of
/// a rank that failed or was stopped alone, else rank 0's, or, when rank 0 died without a word, the other ranks'
/// (<see cref="RankZeroLifeline"/>); it says to continue with <c>--resume</c> only once there is a checkpoint to continue.
/// </summary>
internal static class DataParallelLaunch
{
    // How long a rank mpirun stops waits for rank 0's word before saying itself that the job stopped: rank 0, stopped
    // at the same moment, sends it within milliseconds of its own SIGTERM. Well under the second mpirun leaves between
    // SIGTERM and SIGKILL (odls_base_sigkill_timeout, 1 by default): waiting longer, a rank whose rank 0 is alive but
    // cannot answer (its machine gone from the network) was killed mid-wait, and nobody said the job stopped.
    private static readonly TimeSpan RankZeroWordWait = TimeSpan.FromMilliseconds(500);

    // How long rank 0, stopped, waits for another rank's word before saying itself that the job stopped. A rank that
    // failed or was stopped alone sends its word before it ends, so before mpirun stops rank 0: it is there already,
    // and this only absorbs the network's delay. Well under RankZeroWordWait, which the other ranks wait for rank 0's.
    private static readonly TimeSpan OtherRankWordWait = TimeSpan.FromMilliseconds(100);

    private static PosixSignalRegistration? _terminated;
    private static RankZeroLifeline? _lifeline;
    private static volatile bool _errorReported;
    private static volatile bool _hasCheckpoint;

    /// <summary>The group joined by this process, until it is finalised.</summary>
    public static OpenMpiGroup? Group { get; private set; }

    /// <summary>This process's rank as mpirun announced it (0 when not launched by mpirun), known before MPI starts.</summary>
    public static int LaunchRank =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK"), NumberStyles.None, CultureInfo.InvariantCulture, out int rank) ? rank : 0;

    /// <summary>Whether this process reports (progress, results, files): rank 0, or a process on its own.</summary>
    public static bool Reports => LaunchRank == 0;

    /// <summary>Compute threads per process by default: the machine's cores shared by the job's processes on it.</summary>
    public static int DefaultThreads => Math.Max(1, Environment.ProcessorCount / OpenMpiGroup.LocalSize);

    /// <summary>Joins the mpirun job's group, or returns null (and loads nothing) in a process started otherwise.</summary>
    public static OpenMpiGroup? Join(TextWriter error)
    {
        if (!OpenMpiGroup.IsLaunched || Group is not null)
        {
            return Group;
        }

        Group = OpenMpiGroup.Initialize();
        int rank = Group.Rank;
        string host = Group.Host;

        // mpirun ends the other processes with SIGTERM when one of them dies or the job is cancelled (Ctrl-C on mpirun
        // too). One line says so: that of a rank that ended alone and said why (its own error, or a SIGTERM of its own),
        // else rank 0's, unless rank 0 is gone without a word (killed, crashed), when the others say it.
        _terminated = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ =>
        {
            if (_errorReported)
            {
                return; // this process already said what went wrong: mpirun ending it is not news
            }

            // Read once: Leave clears the field, and a handler that read it twice could find null the second time.
            RankZeroLifeline? lifeline = _lifeline;
            if (lifeline?.Heard(rank == 0 ? OtherRankWordWait : RankZeroWordWait) == true)
            {
                // Another rank said why the job ended (rank 0: its own error, or this stop; another rank: its own end).
                // Rank 0 passes the word on, so that the ranks still waiting for its own stay silent too.
                if (rank == 0)
                {
                    lifeline.Spoke();
                }

                return;
            }

            error.WriteLine($"bertgen: error: rank {rank} on {host}: stopped by mpirun (another process of the job ended, or the job was cancelled); {StopAdvice}");
            error.Flush();
            lifeline?.Spoke();
        });

        // Opened after the handler is in place: a SIGTERM while the lifeline waits for its connections (up to 2 s when a
        // rank cannot connect) is then every rank's own line, never the signal's silent default. (No lifeline yet: each
        // rank speaks for itself, as when a rank cannot connect.)
        _lifeline = Group.Size > 1 ? RankZeroLifeline.Open(Group, host) : null;
        return Group;
    }

    // What the job's folder lets the user do next: continue from a checkpoint, or, stopped before its first, start over
    // (--resume in a folder without one starts at step 0 too, but has nothing to continue).
    private static string StopAdvice => _hasCheckpoint ? "continue with --resume" : "no checkpoint was saved yet: run it again to start over";

    /// <summary>
    /// Under mpirun, notes that the run's folder holds a checkpoint to continue from (the one it resumed, or one it has
    /// written since): a line saying mpirun stopped the job then says to continue with <c>--resume</c>. Every rank notes
    /// it, so that a rank saying it for rank 0 (on another machine, whose folder it cannot see) knows too.
    /// </summary>
    public static void NoteCheckpoint()
    {
        if (Group is not null)
        {
            _hasCheckpoint = true;
        }
    }

    /// <summary>Notes every checkpoint the trainer commits (<see cref="NoteCheckpoint"/>), on every rank.</summary>
    public static ITrainingMetricsSink CheckpointNotes { get; } = new CheckpointNoteSink();

    private sealed class CheckpointNoteSink : ITrainingMetricsSink
    {
        public void OnTrainingStep(in TrainingStepMetrics metrics)
        {
        }

        public void OnEvaluation(in EvaluationMetrics metrics)
        {
        }

        public void OnCheckpoint(long step, string path) => NoteCheckpoint();
    }

    /// <summary>
    /// A decision every rank must share that rank 0 alone can make — it reads the checkpoint folder, which the other
    /// ranks may not see (another machine): rank 0 decides and sends the result (or its error) to the others
    /// (<see cref="RootDecision"/>). Without a joined group of several processes, this process decides alone.
    /// </summary>
    public static T FromRankZero<T>(Func<T> decide, Action<BinaryWriter, T> write, Func<BinaryReader, T> read)
    {
        if (Group is not { Size: > 1 } group)
        {
            return decide();
        }

        T value = default!;
        byte[] payload = RootDecision.Run(group, () =>
        {
            value = decide();
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer))
            {
                write(writer, value);
            }

            return buffer.ToArray();
        }, Relayable, Relayed);
        if (group.Rank == 0)
        {
            return value;
        }

        using var reader = new BinaryReader(new MemoryStream(payload));
        return read(reader);
    }

    /// <summary>
    /// Work only rank 0 does that the other ranks of <paramref name="group"/> (processes or replicas) wait for, in
    /// <see cref="AwaitRankZero"/>: a run's start (its folder, lock, metrics file and parameters) as one
    /// <see cref="RootDecision"/>. An error in it ends every rank with rank 0's one line; without this the others
    /// waited in the run's first collective, and rank 0's line came with one more saying mpirun had stopped them.
    /// Returns the work's value. Without a group of several, the work just runs.
    /// </summary>
    public static T OnRankZero<T>(IDataParallelGroup? group, Func<T> work)
    {
        if (group is not { Size: > 1 })
        {
            return work();
        }

        T value = default!;
        RootDecision.Run(group, () =>
        {
            value = work();
            return Array.Empty<byte>();
        }, Relayable, Relayed);
        return value;
    }

    /// <summary>The other ranks' side of <see cref="OnRankZero"/>: returns once rank 0's work is done, or throws its error.</summary>
    public static void AwaitRankZero(IDataParallelGroup group) =>
        RootDecision.Run(group, () => throw new UnreachableException("rank 0 alone does the work the other ranks await"), Relayable, Relayed);

    /// <summary>
    /// Work every rank does itself — checking and reading its own copy of the data files — as one step of the whole job:
    /// an error on any rank ends every rank with the same one (rank 0's when all fail alike; another rank's names it), so
    /// the job prints one line instead of the failing rank's and another saying mpirun stopped it. Without a joined group
    /// of several processes, this process works alone.
    /// </summary>
    public static T OnEveryRank<T>(Func<T> work) => CollectiveStep.Run(Group, work, Relayable, Relayed);

    // An error sent to the other ranks: 1 for a usage error (exit 2), 2 for any other (exit 1), and its one line.
    private static (byte Kind, string Message) Relayable(Exception exception)
    {
        (int code, string message) = CliErrors.Classify(exception);
        return (code == ExitCodes.Usage ? (byte)1 : (byte)2, message);
    }

    private static Exception Relayed(byte kind, string message)
    {
        // An error every rank holds, which rank 0 reports before it ends the job: mpirun ending this process then is not
        // news, even before the error has reached ErrorPrefix.
        _errorReported = true;
        return kind == 1 ? new CliUsageException(message) : new CliFailureException(message);
    }

    /// <summary>Finalises MPI after the job's processes finished together (success or a shared Ctrl-C stop).</summary>
    public static void Leave()
    {
        Group?.Dispose();
        Group = null;
        _hasCheckpoint = false;
        _terminated?.Dispose();
        _terminated = null;
        _lifeline?.Dispose();
        _lifeline = null;
    }

    /// <summary>
    /// How this process reports <paramref name="exception"/>: rank 0 (or a process alone) as usual (null); another rank
    /// stays silent ("") when every rank fails the same way — a usage error, an outcome relayed from rank 0, or a failed
    /// step of every rank (<see cref="OnEveryRank"/>) — and otherwise says which rank it is. A usage error before joining
    /// is said by the first rank of each command line of an mpirun job of several (<c>-np 1 A : -np 1 B</c>).
    /// </summary>
    public static string? ErrorPrefix(Exception exception)
    {
        _errorReported = true;
        if (!OpenMpiGroup.IsLaunched || LaunchRank == 0)
        {
            return null;
        }

        // A usage error before joining is every rank's (they were given one command line), except in a job of several
        // command lines, whose rank 0 may not have it.
        bool everyRanks = exception is CliUsageException ? Group is not null || !FirstOfAnotherCommandLine()
            : exception is CliInterruptedException || exception.Data.Contains(DataParallelException.RelayedFromRootKey);
        return everyRanks ? string.Empty : $"rank {LaunchRank}{(Group is null ? string.Empty : " on " + Group.Host)}: ";
    }

    // Whether this process is the first of its command line in an mpirun job of several (-np 1 A : -np 1 B: Open MPI's app
    // contexts, OMPI_NUM_APP_CTX and OMPI_APP_CTX_NUM_PROCS) and that command line is not rank 0's. The ranks of one
    // command line fail alike before joining, so its first rank speaks for them, and rank 0 for its own.
    private static bool FirstOfAnotherCommandLine()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("OMPI_NUM_APP_CTX"), NumberStyles.None, CultureInfo.InvariantCulture, out int lines) || lines < 2)
        {
            return false;
        }

        int first = 0;
        foreach (string size in (Environment.GetEnvironmentVariable("OMPI_APP_CTX_NUM_PROCS") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (LaunchRank == first)
            {
                return first != 0;
            }

            if (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out int processes) || LaunchRank < first + processes)
            {
                return false;
            }

            first += processes;
        }

        return false;
    }

    /// <summary>
    /// After an error: ends every process of a running job with <paramref name="exitCode"/> (does not return then). An
    /// error every rank holds is rank 0's to report: the other ranks leave the abort to it, so it is not killed before
    /// its one line is out (they abort themselves only if it has not within half a minute). A rank that printed its own
    /// error first tells the others it has spoken (<paramref name="spoke"/>), so that mpirun stopping them adds no line.
    /// </summary>
    public static void AbortJobIfRunning(int exitCode, Exception exception, bool spoke)
    {
        if (Group is { Size: > 1 } group)
        {
            Console.Error.Flush();
            if (spoke)
            {
                _lifeline?.Spoke();
            }

            if (group.Rank != 0 && exception.Data.Contains(DataParallelException.RelayedFromRootKey))
            {
                System.Threading.Thread.Sleep(TimeSpan.FromSeconds(30));
            }

            group.Abort(exitCode);
        }
    }
}
