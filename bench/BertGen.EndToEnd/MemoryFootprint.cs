using System;
using System.IO;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// What an inference-only process holds: its peak resident set against the sizes BertGen planned. The model is
/// prepared with PrepareWeightsForInference, as the CLI's inference commands do, so the HF-layout copy of the
/// linear weights is released once packed (fp32) or quantised (int8) and the weights are held once.
/// </summary>
/// <param name="Precision">The precision the model was prepared for and its forward pass ran in.</param>
/// <param name="ParameterBytes">The HF-layout parameter buffer.</param>
/// <param name="PackedWeightBytes">
/// The copy of the linear weights PrepareWeightsForInference makes: fp32 GEMM panels, or int8 panels (values, column
/// sums, scales) with their fp32 biases.
/// </param>
/// <param name="ReleasedBytes">The HF-layout linear weights handed back to the OS once packed (whole pages; 0 where nothing is released).</param>
/// <param name="ArenaBytes">The forward pass's activation arena.</param>
/// <param name="PeakResidentBytes">The process's peak resident set (VmHWM) after the forward passes.</param>
/// <param name="BaselineResidentBytes">The peak resident set before the model was created (runtime, JIT, assemblies).</param>
/// <param name="LoadedPeakResidentBytes">
/// The peak resident set once the weights were loaded, before they were packed: the whole fp32 parameter buffer is
/// resident then, so with int8 (whose weights are a quarter of the fp32 ones) this is usually the process's peak.
/// </param>
/// <param name="ResidentBytes">The resident set after the forward passes (what the process holds while serving).</param>
public sealed record MemoryFootprint(Precision Precision, long ParameterBytes, long PackedWeightBytes, long ReleasedBytes, long ArenaBytes, long PeakResidentBytes, long BaselineResidentBytes, long LoadedPeakResidentBytes, long ResidentBytes)
{
    /// <summary>Peak resident set beyond the weights held (parameters + packed − released) and the arena.</summary>
    public long OverheadBytes => PeakResidentBytes - ParameterBytes - PackedWeightBytes + ReleasedBytes - ArenaBytes;

    /// <summary>
    /// Creates the model, loads its weights, packs them and runs <paramref name="runs"/> forward passes at one
    /// shape, in this process with nothing else loaded (call it before any ORT session exists), then reads
    /// the peak resident set from /proc/self/status. Without <paramref name="int8"/> in fp32; with it in int8, whose
    /// planned sizes the descriptor does not carry (the generated type's <c>Int8WeightLength</c> and its int8 pass's
    /// <c>ArenaLength</c>).
    /// </summary>
    public static MemoryFootprint Measure(ModelDescriptor descriptor, Action<IBertModel> loadWeights, int batch, int sequence, int threads, Int8Plan? int8 = null, int runs = 20)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(loadWeights);
        Precision precision = int8 is null ? Precision.Fp32 : Precision.Int8;
        GC.Collect();
        long baseline = ReadStatus("VmHWM:");
        using var pool = new ComputePool(threads);
        using IBertModel model = descriptor.Create(pool);
        loadWeights(model);
        long loadedPeak = ReadStatus("VmHWM:");
        long releasedBytes = 0;
        foreach (BertGen.Runtime.ParameterInfo parameter in model.ParameterTable)
        {
            // What PrepareWeightsForInference releases: every linear weight (a tied decoder's is an Embedding).
            if (parameter.Kind == BertGen.Runtime.ParameterKind.Weight && OperatingSystem.IsLinux())
            {
                releasedBytes += parameter.Length * sizeof(float);
            }
        }

        model.PrepareWeightsForInference(precision);
        GC.Collect();
        RunForward(model, batch, sequence, precision, runs);
        long arenaLength = int8?.ArenaLength ?? EndToEndBenchmark.FindShape(descriptor, batch, sequence).ArenaLength;
        long packedLength = int8?.WeightLength ?? descriptor.PackedWeightLength;
        return new MemoryFootprint(precision, descriptor.ParameterBufferLength * sizeof(float), packedLength * sizeof(float),
            releasedBytes, arenaLength * sizeof(float), ReadStatus("VmHWM:"), baseline, loadedPeak, ReadStatus("VmRSS:"));
    }

    /// <summary>
    /// The same for a model that reads an int8 weights file (<see cref="BertGen.Runtime.Weights.ParameterLoader.LoadInt8"/>,
    /// what <c>bertgen embed --weights FILE.int8.safetensors</c> does): its int8 layers are packed straight from the file,
    /// its word embeddings read in place from the file's mapping, so no fp32 copy of the linear weights is ever made and
    /// nothing is released (<see cref="ReleasedBytes"/> 0). Write the file in another process: loading fp32 weights
    /// here would set this one's peak.
    /// </summary>
    public static MemoryFootprint MeasureInt8File(ModelDescriptor descriptor, string path, int batch, int sequence, int threads, Int8Plan int8, int runs = 20)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(int8);
        GC.Collect();
        long baseline = ReadStatus("VmHWM:");
        using var pool = new ComputePool(threads);
        using IBertModel model = descriptor.Create(pool);
        BertGen.Runtime.Weights.ParameterLoader.LoadInt8(model, path);
        long loadedPeak = ReadStatus("VmHWM:");
        GC.Collect();
        RunForward(model, batch, sequence, Precision.Int8, runs);
        return new MemoryFootprint(Precision.Int8, descriptor.ParameterBufferLength * sizeof(float), int8.WeightLength * sizeof(float),
            0, int8.ArenaLength * sizeof(float), ReadStatus("VmHWM:"), baseline, loadedPeak, ReadStatus("VmRSS:"));
    }

    private static void RunForward(IBertModel model, int batch, int sequence, Precision precision, int runs)
    {
        using IForwardPass pass = model.CreateForwardPass(batch, sequence, precision);
        int tokens = batch * sequence;
        var ids = new int[tokens];
        var mask = new int[tokens];
        var types = new int[tokens];
        for (int t = 0; t < tokens; t++)
        {
            ids[t] = 1000 + (t % 1000);
            mask[t] = 1;
        }

        for (int i = 0; i < runs; i++)
        {
            pass.Run(ids, mask, types);
        }
    }

    /// <summary>The planned sizes of an int8 model, in floats, as the generated code states them.</summary>
    /// <param name="WeightLength">The int8 weights (the generated type's <c>Int8WeightLength</c>).</param>
    /// <param name="ArenaLength">The int8 forward pass's arena at the measured shape (its <c>ArenaLength</c>).</param>
    public sealed record Int8Plan(long WeightLength, long ArenaLength);

    private static long ReadStatus(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new PlatformNotSupportedException($"No {field} in /proc/self/status.");
    }
}
