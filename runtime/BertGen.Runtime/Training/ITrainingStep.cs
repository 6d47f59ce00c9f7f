using System;
using BertGen.Runtime.CompilerServices;

namespace BertGen.Runtime.Training;

/// <summary>
/// The compiled training computation of one fixed (batch, sequence) shape: forward with dropout, the loss,
/// and backward, adding every parameter's gradient into the model's gradient buffer. The caller zeroes the
/// gradients before the first micro-batch of an optimiser step (gradient accumulation = several Runs).
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
    /// <param name="mode">Train (dropout on, gradients accumulated) or Evaluate (dropout off, no backward).</param>
    /// <param name="dropoutSeed">Seed of this call's dropout masks.</param>
    /// <param name="gradientScale">Multiplies every gradient added (1/accumulation steps for averaging).</param>
    /// <param name="progress">Told as the backward finishes each layer's gradients (data-parallel overlap), or null.</param>
    TrainingLosses Run(TrainingBatch batch, StepMode mode, ulong dropoutSeed, float gradientScale = 1f, IGradientProgress? progress = null);
}

/// <summary>Whether a step learns.</summary>
public enum StepMode
{
    Train,
    Evaluate,
}
