using System;
using System.Collections.Generic;
using System.Diagnostics;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;
using Microsoft.ML.OnnxRuntime;

namespace BertGen.Bench;

/// <summary>
/// Times the generated forward pass against ONNX Runtime on the same weights and the same token ids, in one
/// process: warm-up, then alternating blocks of timed calls of the two engines so a busy machine slows both
/// alike, and medians. The CLI's <c>bench</c> command can call <see cref="Run"/> directly.
/// </summary>
public static class EndToEndBenchmark
{
    /// <summary>Measures every case in order.</summary>
    public static IReadOnlyList<EndToEndRow> Run(IReadOnlyList<EndToEndCase> cases, EndToEndOptions options, Action<EndToEndRow>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(options);
        var rows = new List<EndToEndRow>(cases.Count);
        foreach (EndToEndCase benchCase in cases)
        {
            EndToEndRow row = Run(benchCase, options);
            progress?.Invoke(row);
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Measures one case.</summary>
    public static EndToEndRow Run(EndToEndCase benchCase, EndToEndOptions options)
    {
        ArgumentNullException.ThrowIfNull(benchCase);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Threads < 1 || options.TimedRuns < 1 || options.WarmupRuns < 0)
        {
            throw new ArgumentException($"Bad benchmark options: {options}.", nameof(options));
        }

        int batch = benchCase.Batch, sequence = benchCase.Sequence, tokens = batch * sequence;
        ShapeDescriptor shape = FindShape(benchCase.Model, batch, sequence);

        using var pool = new ComputePool(options.Threads);
        using IBertModel model = benchCase.Model.Create(pool);
        benchCase.LoadWeights(model);
        model.PrepareWeights();
        using IForwardPass pass = model.CreateForwardPass(batch, sequence);

        // Same inputs for both: seeded ids from the ordinary vocabulary range, [CLS] first, every token attended.
        var ids = new int[tokens];
        var mask = new int[tokens];
        var types = new int[tokens];
        var random = new Random(12345);
        for (int t = 0; t < tokens; t++)
        {
            ids[t] = t % sequence == 0 ? 101 : random.Next(1000, Math.Min(model.VocabSize, 30000));
            mask[t] = 1;
            types[t] = t % sequence < sequence / 2 ? 0 : 1;
        }

        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.Threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        using var session = new InferenceSession(benchCase.OnnxModel(model), sessionOptions);
        long[] shapeDims = [batch, sequence];
        long[] ids64 = Array.ConvertAll(ids, v => (long)v);
        long[] mask64 = Array.ConvertAll(mask, v => (long)v);
        long[] types64 = Array.ConvertAll(types, v => (long)v);
        using OrtValue idsValue = OrtValue.CreateTensorValueFromMemory(ids64, shapeDims);
        using OrtValue maskValue = OrtValue.CreateTensorValueFromMemory(mask64, shapeDims);
        using OrtValue typesValue = OrtValue.CreateTensorValueFromMemory(types64, shapeDims);
        string[] inputNames = ["input_ids", "attention_mask", "token_type_ids"];
        OrtValue[] inputValues = [idsValue, maskValue, typesValue];
        string[] outputNames = ["last_hidden_state", benchCase.PoolerOutputName];
        using var runOptions = new RunOptions();

        void RunOnnxRuntime(Span<float> hidden, Span<float> pooled)
        {
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, inputNames, inputValues, outputNames);
            if (!hidden.IsEmpty)
            {
                outputs[0].GetTensorDataAsSpan<float>().CopyTo(hidden);
                outputs[1].GetTensorDataAsSpan<float>().CopyTo(pooled);
            }
        }

        // Agreement first: a speed-up of a wrong answer is worth nothing.
        var ortHidden = new float[tokens * model.HiddenSize];
        var ortPooled = new float[batch * model.HiddenSize];
        pass.Run(ids, mask, types);
        RunOnnxRuntime(ortHidden, ortPooled);
        double diffHidden = MaxAbsDiff(pass.LastHiddenState, ortHidden);
        double diffPooled = MaxAbsDiff(pass.PooledOutput, ortPooled);

        for (int i = 0; i < options.WarmupRuns; i++)
        {
            pass.Run(ids, mask, types);
            RunOnnxRuntime(default, default);
        }

        var bertGen = new double[options.TimedRuns];
        var onnxRuntime = new double[options.TimedRuns];
        var bertGenCpu = new double[options.TimedRuns];
        var onnxRuntimeCpu = new double[options.TimedRuns];
        OnnxRuntimeCall onnxRuntimeCall = RunOnnxRuntime;
        // Blocks of runs, alternating which engine's block comes first in each round, so background load hits
        // both alike while neither runs in the other's wake (see EndToEndOptions.BlockRuns).
        int block = Math.Max(1, options.BlockRuns);
        for (int start = 0, round = 0; start < options.TimedRuns; start += block, round++)
        {
            int end = Math.Min(start + block, options.TimedRuns);
            for (int turn = 0; turn < 2; turn++)
            {
                bool bertGenTurn = (turn == 0) == (round % 2 == 0);
                for (int i = start; i < end; i++)
                {
                    if (bertGenTurn)
                    {
                        (bertGen[i], bertGenCpu[i]) = TimeBertGen(pass, ids, mask, types);
                    }
                    else
                    {
                        (onnxRuntime[i], onnxRuntimeCpu[i]) = TimeOnnxRuntime(onnxRuntimeCall);
                    }
                }
            }
        }

        Array.Sort(bertGen);
        Array.Sort(onnxRuntime);
        Array.Sort(bertGenCpu);
        Array.Sort(onnxRuntimeCpu);
        return new EndToEndRow(
            benchCase.Name, batch, sequence, options.Threads, options.TimedRuns, shape.ForwardFlops / 1e9,
            Percentile(bertGen, 0.5), Percentile(bertGen, 0.1), Percentile(onnxRuntime, 0.5), Percentile(onnxRuntime, 0.1),
            Percentile(bertGenCpu, 0.5), Percentile(onnxRuntimeCpu, 0.5), diffHidden, diffPooled);
    }

    private delegate void OnnxRuntimeCall(Span<float> hidden, Span<float> pooled);

    private static (double WallMs, double CallerCpuMs) TimeBertGen(IForwardPass pass, int[] ids, int[] mask, int[] types)
    {
        double cpu = ThreadCpuTime.NowMs();
        long start = Stopwatch.GetTimestamp();
        pass.Run(ids, mask, types);
        return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, ThreadCpuTime.NowMs() - cpu);
    }

    private static (double WallMs, double CallerCpuMs) TimeOnnxRuntime(OnnxRuntimeCall run)
    {
        double cpu = ThreadCpuTime.NowMs();
        long start = Stopwatch.GetTimestamp();
        run(default, default);
        return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, ThreadCpuTime.NowMs() - cpu);
    }

    private static ShapeDescriptor FindShape(ModelDescriptor model, int batch, int sequence)
    {
        foreach (ShapeDescriptor shape in model.Shapes)
        {
            if (shape.Batch == batch && shape.Sequence == sequence)
            {
                return shape;
            }
        }

        throw new ArgumentException($"{model.Name} has no compiled shape {batch}×{sequence}.");
    }

    private static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new InvalidOperationException($"Output lengths differ: {a.Length} vs {b.Length}.");
        }

        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        }

        return max;
    }

    // Sorted input; nearest-rank percentile.
    private static double Percentile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
