using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace BertGen.Bench;

/// <summary>
/// Prints <c>--only int8</c>: the host, load and threads, then per case the four engines' medians with their spread,
/// the three ratios the int8 targets are stated in, the in-run ceilings and the agreement checks.
/// </summary>
internal static class Int8ForwardReport
{
    internal static void Print(IReadOnlyList<Int8ForwardCase> cases, EndToEndOptions options, TextWriter output)
    {
        output.WriteLine($"BertGen fp32 / BertGen int8 / ONNX Runtime {typeof(InferenceSession).Assembly.GetName().Version} fp32 / ORT int8 (written graphs, quantize_dynamic form), {Threads(options.Threads)}, {options.WarmupRuns} warm-up + {options.TimedRuns} timed runs each in rotating blocks of {options.BlockRuns}, {RuntimeInformation.FrameworkDescription}");
        output.WriteLine($"host: {HostDescription.Cpu()}; load average at start: {HostDescription.Load()}");
        var rows = new List<Int8ForwardRow>();
        foreach (Int8ForwardCase benchCase in cases)
        {
            Int8ForwardRow row = Int8ForwardBenchmark.Run(benchCase, options);
            rows.Add(row);
            InRunCeilings c = row.Ceilings;
            output.WriteLine(Invariant(
                $"{row.Case} {row.Batch}×{row.Sequence} ({benchCase.Model.Weights} weights) done, load average {HostDescription.Load()}; ceilings before it on {Threads(c.Threads)}: FMA {c.FmaMedianGflops:F0} GFLOP/s median ({c.FmaBestGflops:F0} best), VPDPBUSD {c.VnniMedianGops:F0} GOP/s median ({c.VnniBestGops:F0} best)"));
        }

        output.WriteLine();
        output.WriteLine("Times in ms: median (p10–p90). Speed-ups are ratios of medians: BertGen int8 vs BertGen fp32 = t(BertGen fp32) / t(BertGen int8), target ≥ 1.7; vs ORT int8 = t(ORT int8) / t(BertGen int8), target ≥ 1.2; ORT int8 vs ORT fp32 = t(ORT fp32) / t(ORT int8).");
        output.WriteLine("| model | batch×seq | BertGen fp32 | BertGen int8 | ORT fp32 | ORT int8 | BertGen int8 vs BertGen fp32 | BertGen int8 vs ORT int8 | ORT int8 vs ORT fp32 |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (Int8ForwardRow row in rows)
        {
            output.WriteLine(Invariant(
                $"| {row.Case} | {row.Batch}×{row.Sequence} | {Times(row.BertGenFp32)} | {Times(row.BertGenInt8)} | {Times(row.OnnxRuntimeFp32)} | {Times(row.OnnxRuntimeInt8)} | {row.BertGenInt8Speedup:F2}× | {row.Int8VersusOnnxRuntime:F2}× | {row.OnnxRuntimeInt8Speedup:F2}× |"));
        }

        output.WriteLine();
        output.WriteLine("Throughput at the medians against the in-run ceilings (median samples), the calling thread's CPU time per call (with one thread each engine's whole cost, without other processes' time slices), and agreement. One operation count for both precisions: attention, softmax, LayerNorm and GELU stay fp32 in int8.");
        output.WriteLine("| model | batch×seq | GFLOP | FMA ceiling GFLOP/s | VPDPBUSD ceiling GOP/s | BertGen fp32 GFLOP/s (% FMA) | BertGen int8 GOP/s (% VPDPBUSD) | caller CPU ms: BertGen fp32 / int8, ORT fp32 / int8 | max |Δ| fp32 BertGen/ORT | min token cosine vs BertGen fp32: BertGen int8 / ORT int8 |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (Int8ForwardRow row in rows)
        {
            InRunCeilings c = row.Ceilings;
            output.WriteLine(Invariant(
                $"| {row.Case} | {row.Batch}×{row.Sequence} | {row.ForwardGflop:F2} | {c.FmaMedianGflops:F0} | {c.VnniMedianGops:F0} | {row.BertGenFp32Gflops:F0} ({100 * row.BertGenFp32Gflops / c.FmaMedianGflops:F0}%) | {row.BertGenInt8Gops:F0} ({100 * row.BertGenInt8Gops / c.VnniMedianGops:F0}%) | {row.BertGenFp32.MedianCallerCpuMs:F2} / {row.BertGenInt8.MedianCallerCpuMs:F2}, {row.OnnxRuntimeFp32.MedianCallerCpuMs:F2} / {row.OnnxRuntimeInt8.MedianCallerCpuMs:F2} | {row.MaxAbsDiffFp32:E1} | {row.BertGenInt8MinCosine:F4} / {row.OnnxRuntimeInt8MinCosine:F4} |"));
        }

        output.WriteLine($"load average at end: {HostDescription.Load()}");
    }

    private static string Threads(int count) => count == 1 ? "1 thread" : $"{count} threads";

    private static string Times(EngineTimes t) => Invariant($"{t.MedianMs:F2} ({t.P10Ms:F2}–{t.P90Ms:F2})");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
