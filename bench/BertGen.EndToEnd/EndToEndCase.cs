using System;
using BertGen.Runtime.Inference;

namespace BertGen.Bench;

/// <summary>
/// One comparison: a generated model at one compiled shape, the ONNX graph ONNX Runtime runs for the same
/// weights, and how the BertGen side gets those weights.
/// </summary>
/// <param name="Name">What the row is called, e.g. <c>all-MiniLM-L6-v2</c>.</param>
/// <param name="Model">The generated model's descriptor (creates the model).</param>
/// <param name="Batch">Sequences per call.</param>
/// <param name="Sequence">Tokens per sequence.</param>
/// <param name="Weights">Where the weights came from, for the report.</param>
/// <param name="LoadWeights">Fills the model's parameter buffer (before PrepareWeights).</param>
/// <param name="OnnxModel">Builds the ONNX bytes ORT runs, from the model after its weights are loaded.</param>
/// <param name="PoolerOutputName">The ORT graph's pooler output name.</param>
public sealed record EndToEndCase(
    string Name,
    ModelDescriptor Model,
    int Batch,
    int Sequence,
    string Weights,
    Action<IBertModel> LoadWeights,
    Func<IBertModel, byte[]> OnnxModel,
    string PoolerOutputName);
