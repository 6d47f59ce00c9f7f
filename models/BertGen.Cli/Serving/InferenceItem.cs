using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using BertGen.Runtime.Inference;

namespace BertGen.Cli.Serving;

/// <summary>What the batcher reads off the forward pass for one input.</summary>
internal enum InferenceOutput
{
    /// <summary>The sentence embedding, pooled as the model pools, not normalised.</summary>
    Pooled,

    /// <summary>Every token's vector of the last hidden state, <c>[Length, Hidden]</c> row-major.</summary>
    TokenStates,

    /// <summary>The sequence classifier's logits.</summary>
    SequenceLogits,
}

/// <summary>
/// One input (a text, a pair or one window of a long text) on its way through the batcher: queued at
/// <see cref="EnqueuedAt"/>, computed in a batch that began at <see cref="StartedAt"/>, answered through <see cref="Result"/>.
/// </summary>
internal sealed class InferenceItem
{
    public InferenceItem(TokenizedInput input, InferenceOutput output, CancellationToken abandoned = default)
    {
        Input = input;
        Output = output;
        Abandoned = abandoned;
    }

    public TokenizedInput Input { get; }

    public InferenceOutput Output { get; }

    /// <summary>Cancelled once nobody waits for the output (the request's client went away): the input is then not computed.</summary>
    public CancellationToken Abandoned { get; }

    /// <summary><see cref="Stopwatch"/> timestamps.</summary>
    public long EnqueuedAt { get; set; }

    public long StartedAt { get; set; }

    /// <summary>Completes off the compute thread (continuations run asynchronously), with the output or the batch's failure.</summary>
    public TaskCompletionSource<float[]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Copies this input's output out of the pass that ran it, at <paramref name="row"/>, while the pass still holds it.</summary>
    public float[] Capture(IForwardPass pass, int row, int hidden, PoolingMode pooling)
    {
        int sequence = pass.Sequence;
        switch (Output)
        {
            case InferenceOutput.Pooled:
                var embedding = new float[hidden];
                Span<int> mask = stackalloc int[sequence];
                mask.Clear();
                mask[..Input.Length].Fill(1);
                Pooling.Pool(pooling, pass.LastHiddenState.Slice(row * sequence * hidden, sequence * hidden), mask, hidden, embedding);
                return embedding;
            case InferenceOutput.TokenStates:
                return pass.LastHiddenState.Slice(row * sequence * hidden, Input.Length * hidden).ToArray();
            case InferenceOutput.SequenceLogits:
                int labels = pass.SequenceLogits.Length / pass.Batch;
                return pass.SequenceLogits.Slice(row * labels, labels).ToArray();
            default:
                throw new InvalidOperationException($"Unknown output {Output}.");
        }
    }
}
