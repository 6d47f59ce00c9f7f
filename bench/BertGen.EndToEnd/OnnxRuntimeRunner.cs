using System;
using Microsoft.ML.OnnxRuntime;

namespace BertGen.Bench;

/// <summary>
/// One ONNX Runtime session over a BERT graph with its inputs bound once, as the bench runs it: CPU provider,
/// <c>ORT_ENABLE_ALL</c>, intra-op threads = BertGen's pool size, inter-op 1. <see cref="Run()"/> is the timed call.
/// </summary>
internal sealed class OnnxRuntimeRunner : IDisposable
{
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];

    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly OrtValue[] _inputs;
    private readonly string[] _outputNames;
    private readonly RunOptions _runOptions = new();

    /// <summary>Creates the session for <paramref name="model"/> (ONNX bytes) and binds <paramref name="inputs"/>.</summary>
    public OnnxRuntimeRunner(byte[] model, int threads, ForwardInputs inputs, string poolerOutputName)
    {
        _options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(model, _options);
        long[] dims = [inputs.Batch, inputs.Sequence];
        _inputs =
        [
            OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(inputs.Ids, v => (long)v), dims),
            OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(inputs.Mask, v => (long)v), dims),
            OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(inputs.Types, v => (long)v), dims),
        ];
        _outputNames = ["last_hidden_state", poolerOutputName];
    }

    /// <summary>One forward call, outputs dropped: what the bench times.</summary>
    public void Run() => Run(default, default);

    /// <summary>One forward call, copying the last hidden state and the pooler output out unless the spans are empty.</summary>
    public void Run(Span<float> hidden, Span<float> pooled)
    {
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, InputNames, _inputs, _outputNames);
        if (!hidden.IsEmpty)
        {
            outputs[0].GetTensorDataAsSpan<float>().CopyTo(hidden);
            outputs[1].GetTensorDataAsSpan<float>().CopyTo(pooled);
        }
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        foreach (OrtValue input in _inputs)
        {
            input.Dispose();
        }

        _session.Dispose();
        _options.Dispose();
    }
}
