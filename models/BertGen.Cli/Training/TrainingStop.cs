using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using BertGen.Runtime.Distributed;

namespace BertGen.Cli.Training;

/// <summary>
/// How a <c>pretrain</c> or <c>finetune</c> process training alone (not under mpirun) is stopped: by Ctrl-C (SIGINT),
/// or by the SIGTERM that <c>docker stop</c>, systemd, <c>timeout</c> and Kubernetes send, both alike. Listening starts
/// as the command starts. Until the run takes its checkpoint folder (<see cref="BeginTraining"/>) it has written
/// nothing, so a stop ends the process at once with one line saying so: the data checks and a <c>--resume</c>'s
/// SHA-256 check of its checkpoint take seconds on a big model, and ended by the signal's default the process said
/// nothing. From then on the first signal asks for a clean stop (<see cref="Requested"/>: the trainer finishes its
/// step and checkpoints) and a second is let through, ending the process at once. Under mpirun this listens to
/// nothing: mpirun's stop is <see cref="DataParallelLaunch"/>'s, and rank 0 keeps its own Ctrl-C.
/// </summary>
internal sealed class TrainingStop : IDisposable
{
    private readonly TextWriter _error;
    private readonly bool _resuming;
    private readonly CancellationTokenSource _requested = new();
    private readonly Lock _phase = new();
    private readonly PosixSignalRegistration? _ctrlC;
    private readonly PosixSignalRegistration? _terminate;
    private bool _training;
    private bool _disposed;

    private TrainingStop(TextWriter error, bool resuming, bool listen)
    {
        _error = error;
        _resuming = resuming;
        if (listen)
        {
            _ctrlC = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        }
    }

    /// <summary>Starts listening for Ctrl-C and SIGTERM, unless mpirun started this process.</summary>
    /// <param name="error">Where the line of a stop before training began goes.</param>
    /// <param name="resuming">Whether <c>--resume</c> was given (that line then says the folder is as it was).</param>
    public static TrainingStop Listen(TextWriter error, bool resuming) => new(error, resuming, listen: !OpenMpiGroup.IsLaunched);

    /// <summary>Whether this listens to Ctrl-C and SIGTERM (false under mpirun).</summary>
    public bool Listening => _ctrlC is not null;

    /// <summary>Fires on the first Ctrl-C or SIGTERM after <see cref="BeginTraining"/>: finish the step, checkpoint, return.</summary>
    public CancellationToken Requested => _requested.Token;

    /// <summary>
    /// Called just before the run takes its checkpoint folder (creates it, locks it, cuts its metrics back): from here a
    /// stop is a clean one, which leaves that folder resumable, not the immediate end of a process that wrote nothing.
    /// </summary>
    public void BeginTraining()
    {
        lock (_phase)
        {
            _training = true;
        }
    }

    /// <summary>The line of a stop before training began, by what the run was to do.</summary>
    public static string BeforeTrainingMessage(bool resuming) => resuming
        ? "interrupted before training began; nothing was changed; continue with --resume"
        : "interrupted before training began; nothing was written; run it again to start over";

    private void Stop(PosixSignalContext signal)
    {
        lock (_phase)
        {
            if (_disposed)
            {
                return; // the command is ending: the signal's default ends it a moment sooner
            }

            if (!_training)
            {
                // Held through the exit, so the run cannot take its folder meanwhile: nothing is written, nothing to undo.
                CliErrors.Report(new CliInterruptedException(BeforeTrainingMessage(_resuming)), _error, verbose: false);
                _error.Flush();
                Environment.Exit(ExitCodes.Interrupted);
            }

            if (!_requested.IsCancellationRequested)
            {
                signal.Cancel = true;
                _requested.Cancel();
            }
        }
    }

    public void Dispose()
    {
        // Under the lock, so that a signal arriving meanwhile does not cancel a disposed source.
        lock (_phase)
        {
            _disposed = true;
        }

        _ctrlC?.Dispose();
        _terminate?.Dispose();
        _requested.Dispose();
    }
}
