using System;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Training;

namespace BertGen.TrainingBench;

/// <summary>BertGen's training step: zero gradients, compiled forward + backward, clip + AdamW, repack weights.</summary>
internal sealed class BertGenSide : IDisposable
{
    private readonly ITrainableModel _model;
    private readonly ITrainingStep _step;
    private readonly AdamW _optimizer;
    private readonly ComputePool _pool;
    private ulong _seed;

    public BertGenSide(Func<ComputePool, ITrainableModel> create, int threads, int batch, int sequence)
    {
        _pool = new ComputePool(threads);
        _model = create(_pool);
        _model.InitializeParameters(42);
        _model.PrepareWeights();
        _step = _model.CreateTrainingStep(batch, sequence);
        _optimizer = new AdamW(_model.ParameterTable, _model.Parameters.Length, AdamWSettings.Torch, _pool);
    }

    public ITrainableModel Model => _model;

    public double Step(TrainingBatch batch)
    {
        // As the Trainer's steps: the micro-batch replaces the last step's gradients, no zeroing pass first.
        TrainingLosses losses = _step.Run(batch, StepMode.Train, ++_seed, replaceGradients: true);
        _optimizer.Step(_model.Parameters, _model.Gradients, 1e-4);
        _model.PrepareWeights();
        return losses.Total;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _step.Dispose();
        _model.Dispose();
        _pool.Dispose();
    }
}
