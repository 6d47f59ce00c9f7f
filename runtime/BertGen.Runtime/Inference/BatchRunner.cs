using System;
using System.Collections.Generic;
using System.Linq;

namespace BertGen.Runtime.Inference;

/// <summary>
/// Runs inputs of any length through a model compiled for fixed shapes: each input goes to the compiled
/// variant with the smallest sequence length that holds it, padded and masked; inputs sharing a variant
/// are batched, and a short last batch is filled with fully masked rows whose outputs are ignored.
/// Forward passes (and their arenas) are created once per variant and reused: no allocation per call in
/// the kernels.
/// </summary>
public sealed class BatchRunner : IDisposable
{
    private readonly IBertModel _model;
    private readonly Dictionary<(int, int), IForwardPass> _passes = new();

    public BatchRunner(IBertModel model)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        MaxSequence = model.ShapeVariants.Max(v => v.Sequence);
    }

    /// <summary>The longest input any compiled variant holds.</summary>
    public int MaxSequence { get; }

    /// <summary>
    /// Runs every input and calls <paramref name="consume"/> once per input with its index, the pass that ran
    /// it and its row in that pass's batch. Outputs are valid only during the callback.
    /// </summary>
    public void Run(IReadOnlyList<TokenizedInput> inputs, Action<int, IForwardPass, int> consume)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (TokenizedInput input in inputs)
        {
            input.Validate();
            if (input.Length > MaxSequence)
            {
                throw new BertInputException($"An input of {input.Length} tokens is longer than the largest compiled sequence length {MaxSequence}; truncate it first.");
            }
        }

        foreach (IGrouping<int, int> group in Enumerable.Range(0, inputs.Count).GroupBy(i => SequenceFor(inputs[i].Length)).OrderBy(g => g.Key))
        {
            int sequence = group.Key;
            int[] members = group.ToArray();
            int done = 0;
            while (done < members.Length)
            {
                int batch = BatchFor(sequence, members.Length - done);
                IForwardPass pass = Pass(batch, sequence);
                int rows = Math.Min(batch, members.Length - done);
                var ids = new int[batch * sequence];
                var mask = new int[batch * sequence];
                var types = new int[batch * sequence];
                Array.Fill(ids, _model.PadTokenId);
                for (int r = 0; r < rows; r++)
                {
                    TokenizedInput input = inputs[members[done + r]];
                    input.InputIds.CopyTo(ids, r * sequence);
                    input.TokenTypeIds.CopyTo(types, r * sequence);
                    mask.AsSpan(r * sequence, input.Length).Fill(1);
                }

                pass.Run(ids, mask, types);
                for (int r = 0; r < rows; r++)
                {
                    consume(members[done + r], pass, r);
                }

                done += rows;
            }
        }
    }

    public void Dispose()
    {
        foreach (IForwardPass pass in _passes.Values)
        {
            pass.Dispose();
        }

        _passes.Clear();
    }

    private int SequenceFor(int length) => _model.ShapeVariants.Where(v => v.Sequence >= length).Min(v => v.Sequence);

    /// <summary>The largest compiled batch that the remaining inputs fill, else the smallest compiled batch.</summary>
    private int BatchFor(int sequence, int remaining)
    {
        int[] batches = _model.ShapeVariants.Where(v => v.Sequence == sequence).Select(v => v.Batch).OrderBy(b => b).ToArray();
        int[] filled = batches.Where(b => b <= remaining).ToArray();
        return filled.Length > 0 ? filled[^1] : batches[0];
    }

    private IForwardPass Pass(int batch, int sequence)
    {
        if (!_passes.TryGetValue((batch, sequence), out IForwardPass? pass))
        {
            pass = _model.CreateForwardPass(batch, sequence);
            _passes.Add((batch, sequence), pass);
        }

        return pass;
    }
}
