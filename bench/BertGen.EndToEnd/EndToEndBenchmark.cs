using System;
using System.Collections.Generic;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;

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
        int batch = benchCase.Batch, sequence = benchCase.Sequence;
        ShapeDescriptor shape = FindShape(benchCase.Model, batch, sequence);

        using var pool = new ComputePool(options.Threads);
        using IBertModel model = benchCase.Model.Create(pool);
        benchCase.LoadWeights(model);
        model.PrepareWeights();
        using IForwardPass pass = model.CreateForwardPass(batch, sequence);
        ForwardInputs inputs = ForwardInputs.Seeded(batch, sequence, model.VocabSize);
        using var onnxRuntime = new OnnxRuntimeRunner(benchCase.OnnxModel(model), options.Threads, inputs, benchCase.PoolerOutputName);

        // Agreement first: a speed-up of a wrong answer is worth nothing.
        var ortHidden = new float[batch * sequence * model.HiddenSize];
        var ortPooled = new float[batch * model.HiddenSize];
        pass.Run(inputs.Ids, inputs.Mask, inputs.Types);
        onnxRuntime.Run(ortHidden, ortPooled);
        double diffHidden = MaxAbsDiff(pass.LastHiddenState, ortHidden);
        double diffPooled = MaxAbsDiff(pass.PooledOutput, ortPooled);

        // The ceiling before and after the timed blocks, the larger kept: one sample taken while another process
        // held a core would make every share above it meaningless (a run under load printed 162%).
        InRunCeilings before = InRunCeilings.Measure(pool);
        EngineTimes[] times = AlternatingBlocks.Time([() => pass.Run(inputs.Ids, inputs.Mask, inputs.Types), onnxRuntime.Run], options);
        double ceiling = Math.Max(before.FmaMedianGflops, InRunCeilings.Measure(pool).FmaMedianGflops);
        EngineTimes bertGen = times[0], ort = times[1];
        return new EndToEndRow(
            benchCase.Name, batch, sequence, options.Threads, options.TimedRuns, shape.ForwardFlops / 1e9,
            bertGen.MedianMs, bertGen.P10Ms, ort.MedianMs, ort.P10Ms, bertGen.MedianCallerCpuMs, ort.MedianCallerCpuMs, diffHidden, diffPooled,
            ceiling);
    }

    /// <summary>The compiled shape of <paramref name="model"/> at batch × sequence; throws when there is none.</summary>
    internal static ShapeDescriptor FindShape(ModelDescriptor model, int batch, int sequence)
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

    /// <summary>Max |a − b| over two outputs of the same length.</summary>
    internal static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
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
}
