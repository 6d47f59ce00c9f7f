using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace BertGen.Runtime.Inference;

/// <summary>
/// Runs inputs of any length through a model compiled for fixed shapes: each input goes to the compiled
/// variant with the smallest sequence length that holds it, padded and masked; inputs sharing a variant
/// are batched, and a short last batch is filled with fully masked rows whose outputs are ignored.
/// Forward passes (and their arenas) are created once per variant and reused: no allocation per call in
/// the kernels.
/// </summary>
internal sealed class BatchRunner : IDisposable
{
    // Idle, Running (one call at a time), Disposed, or DisposedWhileRunning: a Dispose during a call leaves the passes to
    // that call, which frees them as it ends (freed under it, its kernels wrote into released memory).
    private const int Idle = 0, Running = 1, Disposed = 2, DisposedWhileRunning = 3;

    private readonly IBertModel _model;
    private readonly Dictionary<(int, int), IForwardPass> _passes = new();
    private readonly Precision _precision;
    private int _state;

    public BatchRunner(IBertModel model)
        : this(model, model?.ForwardPrecision ?? Precision.Fp32)
    {
    }

    /// <summary>A runner whose forward passes run in <paramref name="precision"/>.</summary>
    public BatchRunner(IBertModel model, Precision precision)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));

        // Refused here, where the embedder or classifier is built, not at its first call.
        if (!model.Precisions.Contains(precision))
        {
            throw PrecisionNames.NotCompiled(model.Name, precision);
        }

        _precision = precision;
        MaxSequence = model.ShapeVariants.Max(v => v.Sequence);
    }

    /// <summary>The longest input any compiled variant holds.</summary>
    public int MaxSequence { get; }

    /// <summary>
    /// Runs every input and calls <paramref name="consume"/> once per input with its index, the pass that ran
    /// it and its row in that pass's batch. Outputs are valid only during the callback.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another thread's call is running: the passes' arenas hold one batch at a time.</exception>
    /// <exception cref="ObjectDisposedException">The runner was disposed.</exception>
    public void Run(IReadOnlyList<TokenizedInput> inputs, Action<int, IForwardPass, int> consume)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Count; i++)
        {
            (inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"inputs[{i}] is null")).Validate();
        }

        // Two threads in one runner wrote their batches into the same arenas: some answers were another text's, without a word.
        int was = Interlocked.CompareExchange(ref _state, Running, Idle);
        if (was == Running)
        {
            throw new InvalidOperationException("another call is running on these forward passes: a TextClassifier or SentenceEmbedder runs one call at a time; give each thread its own, over a model of its own (a model's compute pool runs one pass at a time)");
        }

        ObjectDisposedException.ThrowIf(was != Idle, this);
        try
        {
            RunPlanned(inputs, consume);
        }
        finally
        {
            // Disposed meanwhile (another thread, or the callback): the passes are this call's to free.
            if (Interlocked.CompareExchange(ref _state, Idle, Running) != Running)
            {
                FreePasses();
            }
        }
    }

    private void RunPlanned(IReadOnlyList<TokenizedInput> inputs, Action<int, IForwardPass, int> consume)
    {
        foreach (PlannedPass planned in Plan(inputs.Select(i => i.Length).ToArray()))
        {
            int batch = planned.Batch;
            int sequence = planned.Sequence;
            IForwardPass pass = Pass(batch, sequence);
            var ids = new int[batch * sequence];
            var mask = new int[batch * sequence];
            var types = new int[batch * sequence];
            Array.Fill(ids, _model.PadTokenId);
            for (int r = 0; r < planned.Members.Count; r++)
            {
                TokenizedInput input = inputs[planned.Members[r]];
                input.InputIds.CopyTo(ids, r * sequence);
                input.TokenTypeIds.CopyTo(types, r * sequence);
                mask.AsSpan(r * sequence, input.Length).Fill(1);
            }

            pass.Run(ids, mask, types);
            for (int r = 0; r < planned.Members.Count; r++)
            {
                consume(planned.Members[r], pass, r);
            }
        }
    }

    /// <summary>
    /// The forward passes <see cref="Run"/> makes for inputs of these lengths (each at most <see cref="MaxSequence"/>):
    /// every input goes to the smallest compiled sequence that holds it; inputs sharing a sequence fill the largest
    /// compiled batch they fill, else the smallest one, with padding rows. Shortest sequence first, inputs in order.
    /// </summary>
    public IReadOnlyList<PlannedPass> Plan(IReadOnlyList<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        var passes = new List<PlannedPass>();
        foreach (IGrouping<int, int> group in Enumerable.Range(0, lengths.Count).GroupBy(i => SequenceFor(lengths[i])).OrderBy(g => g.Key))
        {
            int[] members = group.ToArray();
            int done = 0;
            foreach (int batch in BatchesFor(group.Key, members.Length))
            {
                int rows = Math.Min(batch, members.Length - done);
                passes.Add(new PlannedPass(batch, group.Key, members[done..(done + rows)]));
                done += rows;
            }
        }

        return passes;
    }

    /// <summary>The smallest compiled sequence that holds an input of <paramref name="length"/> tokens.</summary>
    /// <exception cref="BertInputException">No compiled sequence is that long.</exception>
    public int SequenceFor(int length) => length <= MaxSequence
        ? _model.ShapeVariants.Where(v => v.Sequence >= length).Min(v => v.Sequence)
        : throw new BertInputException($"An input of {length} tokens is longer than the largest compiled sequence length {MaxSequence}; truncate it first.");

    /// <summary>
    /// The batch of each pass that <see cref="Plan"/> makes for <paramref name="count"/> inputs of one compiled
    /// <paramref name="sequence"/>: repeatedly the largest compiled batch the remaining inputs fill, else the smallest.
    /// </summary>
    public IEnumerable<int> BatchesFor(int sequence, int count)
    {
        int[] batches = _model.ShapeVariants.Where(v => v.Sequence == sequence).Select(v => v.Batch).OrderBy(b => b).ToArray();
        for (int remaining = count; remaining > 0;)
        {
            int filled = Array.FindLast(batches, b => b <= remaining);
            int batch = filled > 0 ? filled : batches[0];
            yield return batch;
            remaining -= batch;
        }
    }

    /// <summary>Frees the forward passes now, or, when a call is running, as that call ends; calls are refused from then on.</summary>
    public void Dispose()
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if (state is Disposed or DisposedWhileRunning)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _state, state == Running ? DisposedWhileRunning : Disposed, state) == state)
            {
                if (state == Idle)
                {
                    FreePasses();
                }

                return;
            }
        }
    }

    private void FreePasses()
    {
        foreach (IForwardPass pass in _passes.Values)
        {
            pass.Dispose();
        }

        _passes.Clear();
    }

    /// <summary>The forward pass of one compiled shape, made on first use and kept (<see cref="Run"/> uses the same).</summary>
    public IForwardPass Pass(int batch, int sequence)
    {
        if (!_passes.TryGetValue((batch, sequence), out IForwardPass? pass))
        {
            pass = _model.CreateForwardPass(batch, sequence, _precision);
            _passes.Add((batch, sequence), pass);
        }

        return pass;
    }
}
