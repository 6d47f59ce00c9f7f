using System;
using System.ComponentModel;
using System.Threading;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// The guard of a generated forward pass or training step: its buffers (the arena its outputs are read from) serve one
/// call at a time, so a call made while another runs on another thread is refused before it writes anything. (It was
/// refused by the model's <c>ComputePool</c> at its first dispatch, after it had written its mask and embeddings into
/// the arena the running call computed in: that call returned a state of neither input, without an error.)
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class OneCallAtATime
{
    private readonly string _what;
    private int _running;

    /// <param name="what">The pass or step as a message names it: <c>MiniLm's forward pass 1×128</c>.</param>
    public OneCallAtATime(string what) => _what = what ?? throw new ArgumentNullException(nameof(what));

    /// <summary>Begins a call; disposing the result ends it.</summary>
    /// <exception cref="InvalidOperationException">A call of this pass or step is running on another thread.</exception>
    public Call Enter()
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            throw new InvalidOperationException(
                $"{_what} is computing a call on another thread: a pass or step computes one call at a time in its own buffers; give each thread its own "
                + "(CreateForwardPass, CreateTrainingStep), and threads that compute at the same time each their own model (a model's ComputePool runs one call at a time)");
        }

        return new Call(this);
    }

    /// <summary>A call in progress.</summary>
    public readonly struct Call : IDisposable
    {
        private readonly OneCallAtATime? _owner;

        internal Call(OneCallAtATime owner) => _owner = owner;

        public void Dispose()
        {
            if (_owner is not null)
            {
                Volatile.Write(ref _owner._running, 0);
            }
        }
    }
}
