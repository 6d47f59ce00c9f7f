using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// BertGen's forward pass alone, called back to back for a fixed time, so a sampling profiler (<c>perf record</c>)
/// sees nothing but it: the per-op breakdown in bench/README.md is the profile's shares times the median printed here.
/// </summary>
internal static class ForwardProfile
{
    /// <summary>Warms up for a second, then calls the forward for <paramref name="seconds"/> and prints the median.</summary>
    public static void Run(BenchModel benchModel, int batch, int sequence, int threads, Precision precision, int seconds, TextWriter output)
    {
        using var pool = new ComputePool(threads);
        using IBertModel model = benchModel.Descriptor.Create(pool);
        benchModel.LoadWeights(model);
        model.PrepareWeightsForInference(precision);
        using IForwardPass pass = model.CreateForwardPass(batch, sequence, precision);
        ForwardInputs inputs = ForwardInputs.Seeded(batch, sequence, model.VocabSize);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < 1)
        {
            pass.Run(inputs.Ids, inputs.Mask, inputs.Types);
        }

        var times = new List<double>();
        clock.Restart();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            long start = Stopwatch.GetTimestamp();
            pass.Run(inputs.Ids, inputs.Mask, inputs.Types);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        times.Sort();
        InRunCeilings ceilings = InRunCeilings.Measure(pool);
        double median = times[times.Count / 2], rate = EndToEndBenchmark.FindShape(benchModel.Descriptor, batch, sequence).ForwardFlops / median / 1e6;
        (string unit, string ceiling, double ceilingMedian, double ceilingBest) = precision == Precision.Int8
            ? ("GOP/s", "VPDPBUSD", ceilings.VnniMedianGops, ceilings.VnniBestGops)
            : ("GFLOP/s", "FMA", ceilings.FmaMedianGflops, ceilings.FmaBestGflops);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{benchModel.Name} {batch}×{sequence} {precision.ToString().ToLowerInvariant()}, {threads} threads: {times.Count} calls, median {median:F3} ms, " +
            $"p10 {times[times.Count / 10]:F3} ms, {rate:F0} {unit} = {100 * rate / ceilingMedian:F0}% of the {ceiling} ceiling measured after " +
            $"({ceilingMedian:F0} {unit} median, {ceilingBest:F0} best); {HostDescription.Cpu()}; {HostDescription.Load()}"));
    }
}
