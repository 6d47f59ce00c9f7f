namespace BertGen.Bench;

/// <summary>
/// One four-way comparison: a generated model compiled with <c>"precisions": ["fp32", "int8"]</c> at one shape. Both
/// ONNX Runtime graphs are written by <see cref="BertOnnxGraph"/> from the model's own weights (int8: BertGen's
/// quantisation of them), so the four engines compute the same model.
/// </summary>
/// <param name="Model">The model and its weights.</param>
/// <param name="Batch">Sequences per call.</param>
/// <param name="Sequence">Tokens per sequence.</param>
internal sealed record Int8ForwardCase(BenchModel Model, int Batch, int Sequence);
