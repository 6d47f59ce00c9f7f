using System;
using System.Collections.Generic;
using Microsoft.ML.OnnxRuntime;

namespace BertGen.Testing;

/// <summary>What ONNX Runtime computed for one batch.</summary>
/// <param name="LastHiddenState">[batch, sequence, hidden].</param>
/// <param name="Pooled">[batch, hidden], or null when the model has no pooler output.</param>
public sealed record OnnxRuntimeBertOutput(float[] LastHiddenState, float[]? Pooled);

/// <summary>
/// The peer implementation: a HuggingFace BERT ONNX export (inputs <c>input_ids</c>, <c>attention_mask</c>,
/// <c>token_type_ids</c> as int64 [batch, sequence]) run by ONNX Runtime's CPU provider.
/// </summary>
public sealed class OnnxRuntimeBert : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string? _poolerOutput;

    /// <summary>Creates a session for <paramref name="model"/> (ONNX bytes).</summary>
    /// <param name="model">The ONNX file's bytes.</param>
    /// <param name="poolerOutputName">Graph output holding the pooler (<c>924</c> for MiniLM), or null.</param>
    /// <param name="intraOpThreads">Threads ONNX Runtime may use.</param>
    public OnnxRuntimeBert(byte[] model, string? poolerOutputName, int intraOpThreads = 2)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(model, options);
        _poolerOutput = poolerOutputName;
    }

    /// <summary>Runs one batch; inputs are [batch, sequence] row-major.</summary>
    public OnnxRuntimeBertOutput Run(int batch, int sequence, long[] inputIds, long[] attentionMask, long[] tokenTypeIds)
    {
        long[] shape = [batch, sequence];
        using OrtValue ids = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
        using OrtValue mask = OrtValue.CreateTensorValueFromMemory(attentionMask, shape);
        using OrtValue types = OrtValue.CreateTensorValueFromMemory(tokenTypeIds, shape);
        var outputNames = new List<string> { "last_hidden_state" };
        if (_poolerOutput is not null)
        {
            outputNames.Add(_poolerOutput);
        }

        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(
            runOptions,
            ["input_ids", "attention_mask", "token_type_ids"],
            [ids, mask, types],
            outputNames);
        float[] hidden = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        float[]? pooled = _poolerOutput is null ? null : outputs[1].GetTensorDataAsSpan<float>().ToArray();
        return new OnnxRuntimeBertOutput(hidden, pooled);
    }

    /// <summary>Releases the session.</summary>
    public void Dispose() => _session.Dispose();
}
