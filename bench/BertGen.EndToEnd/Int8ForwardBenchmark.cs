using System;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// BertGen's int8 forward against its fp32 forward and against ONNX Runtime in both precisions, in one process, on the
/// same weights and token ids: one model prepared for both precisions (its fp32 weights kept beside the int8 ones),
/// ORT's fp32 and dynamically quantised graphs written from that model, the ceilings of the same threads measured, then
/// the four engines timed in rotating blocks (<see cref="AlternatingBlocks"/>, as the fp32 comparison is).
/// </summary>
internal static class Int8ForwardBenchmark
{
    /// <summary>Measures one case.</summary>
    internal static Int8ForwardRow Run(Int8ForwardCase benchCase, EndToEndOptions options)
    {
        ArgumentNullException.ThrowIfNull(benchCase);
        ArgumentNullException.ThrowIfNull(options);
        int batch = benchCase.Batch, sequence = benchCase.Sequence;
        ShapeDescriptor shape = EndToEndBenchmark.FindShape(benchCase.Model.Descriptor, batch, sequence);

        using var pool = new ComputePool(options.Threads);
        using IBertModel model = benchCase.Model.Descriptor.Create(pool);
        benchCase.Model.LoadWeights(model);
        model.PrepareWeights();

        // Quantised beside the fp32 weights, which stay: one model runs both precisions.
        ((IInt8Model)model).PrepareInt8Weights();
        using IForwardPass fp32 = model.CreateForwardPass(batch, sequence, Precision.Fp32);
        using IForwardPass int8 = model.CreateForwardPass(batch, sequence, Precision.Int8);
        ForwardInputs inputs = ForwardInputs.Seeded(batch, sequence, model.VocabSize);
        using var onnxFp32 = new OnnxRuntimeRunner(BertOnnxGraph.Write(model, benchCase.Model.Descriptor, sequence), options.Threads, inputs, BertOnnxGraph.PoolerOutputName);
        using var onnxInt8 = new OnnxRuntimeRunner(BertOnnxGraph.Write(model, benchCase.Model.Descriptor, sequence, int8: true), options.Threads, inputs, BertOnnxGraph.PoolerOutputName);

        // Agreement first: fp32 against fp32 to rounding, each int8 against BertGen's fp32 by per-token cosine.
        int h = model.HiddenSize;
        float[] reference = Run(fp32, inputs);
        float[] bertGenInt8 = Run(int8, inputs);
        float[] ortFp32 = new float[reference.Length], ortInt8 = new float[reference.Length], pooled = new float[batch * h];
        onnxFp32.Run(ortFp32, pooled);
        onnxInt8.Run(ortInt8, pooled);
        double diffFp32 = EndToEndBenchmark.MaxAbsDiff(reference, ortFp32);
        double bertGenCosine = Cosines.MinRow(reference, bertGenInt8, h), ortCosine = Cosines.MinRow(reference, ortInt8, h);

        InRunCeilings ceilings = InRunCeilings.Measure(pool);
        EngineTimes[] times = AlternatingBlocks.Time(
            [() => fp32.Run(inputs.Ids, inputs.Mask, inputs.Types), () => int8.Run(inputs.Ids, inputs.Mask, inputs.Types), onnxFp32.Run, onnxInt8.Run],
            options);
        return new Int8ForwardRow(benchCase.Model.Name, batch, sequence, options.TimedRuns, shape.ForwardFlops / 1e9,
            times[0], times[1], times[2], times[3], ceilings, diffFp32, bertGenCosine, ortCosine);
    }

    private static float[] Run(IForwardPass pass, ForwardInputs inputs)
    {
        pass.Run(inputs.Ids, inputs.Mask, inputs.Types);
        return pass.LastHiddenState.ToArray();
    }
}
