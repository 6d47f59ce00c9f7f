using System;
using BertGen.Runtime.Inference;

namespace BertGen.Bench;

/// <summary>
/// One four-way comparison: a generated model compiled with <c>"precisions": ["fp32", "int8"]</c> at one shape. Both
/// ONNX Runtime graphs are written by <see cref="BertOnnxGraph"/> from the model's own weights (int8: BertGen's
/// quantisation of them), so the four engines compute the same model.
/// </summary>
/// <param name="Name">What the row is called.</param>
/// <param name="Model">The generated model's descriptor.</param>
/// <param name="Batch">Sequences per call.</param>
/// <param name="Sequence">Tokens per sequence.</param>
/// <param name="Weights">Where the weights came from, for the report.</param>
/// <param name="LoadWeights">Fills the model's parameter buffer.</param>
/// <param name="PrepareInt8Weights">
/// The generated model's <c>PrepareInt8Weights()</c> (not on <see cref="IBertModel"/>): quantises the linear layers for
/// the int8 passes and keeps the fp32 weights, so one model runs both precisions.
/// </param>
public sealed record Int8ForwardCase(
    string Name,
    ModelDescriptor Model,
    int Batch,
    int Sequence,
    string Weights,
    Action<IBertModel> LoadWeights,
    Action<IBertModel> PrepareInt8Weights);
