using System;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Training;

namespace BertGen.Runtime.Optimization;

/// <summary>
/// The optimiser bound to one generated model: sized from the model's own buffers (whose length includes the
/// alignment padding between tensors, so it is not the model's parameter count), split over the model's threads,
/// and re-packing the model's weights after each step. The generated kernels read a packed copy of the linear
/// weights made by <c>PrepareWeights()</c>; an update that left that copy stale would keep every later step computing
/// with the old weights, and training would silently learn nothing.
/// </summary>
public sealed partial class AdamW
{
    private readonly ITrainableModel? _model;

    /// <summary>AdamW for <paramref name="model"/>'s parameters and gradients.</summary>
    /// <param name="model">The model trained; its parameter table gives each tensor's offset and weight-decay flag.</param>
    /// <param name="settings">Flavour and hyper-parameters (default <see cref="AdamWSettings.Torch"/>).</param>
    public AdamW(ITrainableModel model, AdamWSettings? settings = null)
        : this(RequireModel(model).ParameterTable, model.Parameters.Length, settings ?? AdamWSettings.Torch, model.Pool)
    {
        _model = model;
    }

    /// <summary>
    /// One step of the model this optimiser was built for: its gradients into its parameters at
    /// <paramref name="learningRate"/>, then its packed weights re-derived, so the next step trains the updated model.
    /// </summary>
    /// <exception cref="OptimizationException">The optimiser was built from a parameter table, not a model.</exception>
    public OptimizerStepResult Step(double learningRate)
    {
        ITrainableModel model = _model
            ?? throw new OptimizationException("this optimiser was built from a parameter table, not a model: call Step(parameters, gradients, learningRate), then the model's PrepareWeights()");
        return Step(model.Parameters, model.Gradients, learningRate);
    }

    private static ITrainableModel RequireModel(ITrainableModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model;
    }

    private void KeepModelWeightsCurrent(AlignedBuffer parameters)
    {
        if (_model is not null && ReferenceEquals(parameters, _model.Parameters))
        {
            _model.PrepareWeights();
        }
    }
}
