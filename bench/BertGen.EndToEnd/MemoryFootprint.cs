using System;
using System.IO;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// What an inference-only process holds: its peak resident set against the sizes BertGen planned. The model is
/// prepared with PrepareWeightsForInference, as the CLI's inference commands do, so the HF-layout copy of the
/// linear weights is released once packed and the weights are held once.
/// </summary>
/// <param name="ParameterBytes">The HF-layout parameter buffer.</param>
/// <param name="PackedWeightBytes">The GEMM-panel copy of the linear weights made by PrepareWeightsForInference.</param>
/// <param name="ReleasedBytes">The HF-layout linear weights handed back to the OS once packed (whole pages; 0 where nothing is released).</param>
/// <param name="ArenaBytes">The forward pass's activation arena.</param>
/// <param name="PeakResidentBytes">The process's peak resident set (VmHWM) after the forward passes.</param>
/// <param name="BaselineResidentBytes">The peak resident set before the model was created (runtime, JIT, assemblies).</param>
/// <param name="ResidentBytes">The resident set after the forward passes (what the process holds while serving).</param>
public sealed record MemoryFootprint(long ParameterBytes, long PackedWeightBytes, long ReleasedBytes, long ArenaBytes, long PeakResidentBytes, long BaselineResidentBytes, long ResidentBytes)
{
    /// <summary>Peak resident set beyond the weights held (parameters + packed − released) and the arena.</summary>
    public long OverheadBytes => PeakResidentBytes - ParameterBytes - PackedWeightBytes + ReleasedBytes - ArenaBytes;

    /// <summary>
    /// Creates the model, loads its weights, packs them and runs <paramref name="runs"/> forward passes at one
    /// shape, in this process with nothing else loaded (call it before any ORT session exists), then reads
    /// the peak resident set from /proc/self/status.
    /// </summary>
    public static MemoryFootprint Measure(ModelDescriptor descriptor, Action<IBertModel> loadWeights, int batch, int sequence, int threads, int runs = 20)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(loadWeights);
        GC.Collect();
        long baseline = ReadStatus("VmHWM:");
        using var pool = new ComputePool(threads);
        using IBertModel model = descriptor.Create(pool);
        loadWeights(model);
        long releasedBytes = 0;
        foreach (BertGen.Runtime.ParameterInfo parameter in model.ParameterTable)
        {
            // What PrepareWeightsForInference releases: every linear weight (a tied decoder's is an Embedding).
            if (parameter.Kind == BertGen.Runtime.ParameterKind.Weight && OperatingSystem.IsLinux())
            {
                releasedBytes += parameter.Length * sizeof(float);
            }
        }

        model.PrepareWeightsForInference();
        GC.Collect();
        using IForwardPass pass = model.CreateForwardPass(batch, sequence);
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

        long arenaBytes = 0;
        foreach (ShapeDescriptor shape in descriptor.Shapes)
        {
            if (shape.Batch == batch && shape.Sequence == sequence)
            {
                arenaBytes = shape.ArenaLength * sizeof(float);
            }
        }

        return new MemoryFootprint(descriptor.ParameterBufferLength * sizeof(float), descriptor.PackedWeightLength * sizeof(float),
            releasedBytes, arenaBytes, ReadStatus("VmHWM:"), baseline, ReadStatus("VmRSS:"));
    }

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
