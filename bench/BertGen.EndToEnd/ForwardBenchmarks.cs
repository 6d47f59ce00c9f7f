using System;
using BenchmarkDotNet.Attributes;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Weights;
using Microsoft.ML.OnnxRuntime;

namespace BertGen.Bench;

/// <summary>
/// The BenchmarkDotNet form of the MiniLM B1S128 comparison (<c>dotnet run -c Release -- bdn</c>): BertGen as the
/// baseline, ONNX Runtime on the package's model.onnx, the same real weights and token ids, 1 and 2 threads.
/// BenchmarkDotNet runs the two one after the other, so on a shared machine prefer the alternating
/// <see cref="EndToEndBenchmark"/>; this form adds the allocation column and BenchmarkDotNet's statistics.
/// </summary>
[MemoryDiagnoser]
public class ForwardBenchmarks : IDisposable
{
    private const int Sequence = 128;
    private readonly int[] _ids = new int[Sequence];
    private readonly int[] _mask = new int[Sequence];
    private readonly int[] _types = new int[Sequence];
    private ComputePool? _pool;
    private MiniLmL6? _model;
    private IForwardPass? _pass;
    private InferenceSession? _session;
    private OrtValue[]? _inputs;
    private RunOptions? _runOptions;

    /// <summary>Threads for both engines.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Loads the model into both engines.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(12345);
        for (int t = 0; t < Sequence; t++)
        {
            _ids[t] = t == 0 ? 101 : random.Next(1000, 30000);
            _mask[t] = 1;
        }

        _pool = new ComputePool(Threads);
        _model = new MiniLmL6(_pool);
        ParameterLoader.LoadPretrained(PretrainedModel.MiniLmL6V2, MiniLmL6.ParameterTable, _model.Parameters.AsSpan());
        _model.PrepareWeights();
        _pass = _model.CreateForwardPass(1, Sequence);

        byte[] onnx;
        using (PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.MiniLmL6V2))
        {
            onnx = package.ReadModelOnnx();
        }

        using var options = new SessionOptions
        {
            IntraOpNumThreads = Threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(onnx, options);
        long[] shape = [1, Sequence];
        _inputs =
        [
            OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(_ids, v => (long)v), shape),
            OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(_mask, v => (long)v), shape),
            OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(_types, v => (long)v), shape),
        ];
        _runOptions = new RunOptions();
    }

    /// <summary>The generated forward pass.</summary>
    [Benchmark(Baseline = true)]
    public float BertGen()
    {
        _pass!.Run(_ids, _mask, _types);
        return _pass.PooledOutput[0];
    }

    /// <summary>ONNX Runtime on the package's graph.</summary>
    [Benchmark]
    public float OnnxRuntime()
    {
        using var outputs = _session!.Run(_runOptions!, ["input_ids", "attention_mask", "token_type_ids"], _inputs!, ["last_hidden_state", "924"]);
        return outputs[1].GetTensorDataAsSpan<float>()[0];
    }

    /// <summary>Releases both engines.</summary>
    [GlobalCleanup]
    public void Dispose()
    {
        if (_inputs is not null)
        {
            foreach (OrtValue value in _inputs)
            {
                value.Dispose();
            }
        }

        _runOptions?.Dispose();
        _session?.Dispose();
        _pass?.Dispose();
        _model?.Dispose();
        _pool?.Dispose();
        GC.SuppressFinalize(this);
    }
}
