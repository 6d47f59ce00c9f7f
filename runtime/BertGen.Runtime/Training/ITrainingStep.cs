using System;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Training;

/// <summary>
/// The compiled training computation of one fixed (batch, sequence) shape: forward with dropout, the loss,
/// and backward, writing every parameter's gradient into the model's gradient buffer. The first micro-batch of an
/// optimiser step replaces what the buffer held (<c>replaceGradients: true</c>), the others add to it
/// (gradient accumulation = several Runs).
/// </summary>
public interface ITrainingStep : IDisposable
{
    int Batch { get; }

    int Sequence { get; }

    /// <summary>Gathered masked-LM positions per sequence (max_predictions_per_seq).</summary>
    int MaxPredictions { get; }

    /// <summary>
    /// Forward, loss and (when <paramref name="mode"/> is <see cref="StepMode.Train"/>) backward.
    /// <paramref name="dropoutSeed"/> decides every dropout mask of this call; the same seed gives the same
    /// masks, so a resumed run reproduces an uninterrupted one.
    /// </summary>
    /// <param name="batch">Inputs and labels; arrays sized for this step's shape.</param>
    /// <param name="mode">Train (dropout on, backward) or Evaluate (dropout off, no backward, the gradients untouched).</param>
    /// <param name="dropoutSeed">Seed of this call's dropout masks.</param>
    /// <param name="gradientScale">Multiplies every gradient written (1/accumulation steps for averaging).</param>
    /// <param name="progress">Told as the backward finishes each layer's gradients (data-parallel overlap), or null.</param>
    /// <param name="replaceGradients">
    /// True for the first micro-batch of an optimiser step: each gradient the step computes replaces what the buffer
    /// held (its first write in the backward stores instead of adding), so no pass has to zero the buffer first; what
    /// the step never writes (padding between tensors, a head its objective does not train) is left as it was. False
    /// (the default): every gradient is added into the buffer, which the caller zeroed or an earlier micro-batch wrote.
    /// </param>
    TrainingLosses Run(
        TrainingBatch batch, StepMode mode, ulong dropoutSeed, float gradientScale = 1f, IGradientProgress? progress = null,
        bool replaceGradients = false);
}

/// <summary>Whether a step learns.</summary>
public enum StepMode
{
    Train,
    Evaluate,
}
