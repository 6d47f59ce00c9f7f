using System;
using System.Collections.Generic;
using System.Globalization;
using BertGen.Bench;
using BertGen.Bench.Models;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Weights;

// Usage: BertGen.EndToEnd [--threads N] [--runs N] [--warmup N] [--only minilm|bert-base|graph-check|int8-linear] [--memory]
//        BertGen.EndToEnd bdn [BenchmarkDotNet arguments]
if (args.Length > 0 && args[0] == "bdn")
{
    BenchmarkDotNet.Running.BenchmarkSwitcher.FromTypes([typeof(ForwardBenchmarks)]).Run(args[1..]);
    return 0;
}

int threads = 2, runs = 100, warmup = 30;
string? only = null;
bool memory = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--only": only = args[++i]; break;
        case "--memory": memory = true; break;
        default:
            Console.Error.WriteLine($"Unknown argument {args[i]}. Usage: BertGen.EndToEnd [--threads N] [--runs N] [--warmup N] [--only minilm|bert-base|graph-check|int8-linear] [--memory]");
            return 2;
    }
}

if (only == "int8-linear")
{
    // Not a timing: ORT's int8 linear layer against BertGen's on the same int8 weights, within a stated bound, and
    // the whole written int8 MiniLM graph against BertGen's fp32 forward.
    bool linear = Int8LinearCheck.Run(threads, Console.Out);
    bool graph = Int8GraphCheck.Run(threads, Console.Out);
    return linear && graph ? 0 : 1;
}

void LoadMiniLm(IBertModel model) => ParameterLoader.LoadPretrained(PretrainedModel.MiniLmL6V2, model.ParameterTable, model.Parameters.AsSpan());
void InitBertBase(IBertModel model) => ((BertBaseEncoder)model).InitializeParameters(20240601);

if (memory)
{
    // Its own process run: ORT must not be loaded, or its weights and arenas would count.
    MemoryFootprint footprint = only == "bert-base"
        ? MemoryFootprint.Measure(BertBaseEncoder.Descriptor, InitBertBase, 1, 128, threads)
        : MemoryFootprint.Measure(MiniLmL6.Descriptor, LoadMiniLm, 1, 128, threads);
    static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MB";
    Console.WriteLine($"{(only == "bert-base" ? "BERT-base" : "all-MiniLM-L6-v2")} B1S128, {threads} threads: inference-only, peak RSS {Mb(footprint.PeakResidentBytes)} = parameters {Mb(footprint.ParameterBytes)} + packed weights {Mb(footprint.PackedWeightBytes)} − released HF-layout linear weights {Mb(footprint.ReleasedBytes)} + arena {Mb(footprint.ArenaBytes)} + {Mb(footprint.OverheadBytes)} other (peak RSS before the model: {Mb(footprint.BaselineResidentBytes)}; RSS after the runs: {Mb(footprint.ResidentBytes)})");
    return 0;
}

byte[] miniLmOnnx;
using (PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.MiniLmL6V2))
{
    miniLmOnnx = package.ReadModelOnnx();
}

var cases = new List<EndToEndCase>();
if (only is null or "minilm")
{
    cases.Add(new EndToEndCase("all-MiniLM-L6-v2", MiniLmL6.Descriptor, 1, 128, "real (package)", LoadMiniLm, _ => miniLmOnnx, "924"));
    cases.Add(new EndToEndCase("all-MiniLM-L6-v2", MiniLmL6.Descriptor, 8, 128, "real (package)", LoadMiniLm, _ => miniLmOnnx, "924"));
}

if (only is null or "graph-check")
{
    // Fairness check of the written graph: ORT on MiniLM's real weights through BertOnnxGraph, to set beside the
    // package's own torch export. If ORT optimised the written graph worse, BERT-base's ratio would flatter BertGen.
    cases.Add(new EndToEndCase("all-MiniLM-L6-v2, written graph", MiniLmL6.Descriptor, 1, 128, "real (package)", LoadMiniLm,
        model => BertOnnxGraph.Write(model, MiniLmL6.Descriptor, 128), BertOnnxGraph.PoolerOutputName));
    cases.Add(new EndToEndCase("all-MiniLM-L6-v2, package graph", MiniLmL6.Descriptor, 1, 128, "real (package)", LoadMiniLm, _ => miniLmOnnx, "924"));
}

if (only is null or "bert-base")
{
    cases.Add(new EndToEndCase("BERT-base", BertBaseEncoder.Descriptor, 1, 128, "random (seed 20240601)", InitBertBase,
        model => BertOnnxGraph.Write(model, BertBaseEncoder.Descriptor, 128), BertOnnxGraph.PoolerOutputName));
}

var options = new EndToEndOptions(threads, warmup, runs);
Console.WriteLine($"BertGen vs ONNX Runtime {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version}, {threads} threads, {warmup} warm-up + {runs} timed runs each in alternating blocks of {options.BlockRuns}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
Console.WriteLine("| model | batch×seq | GFLOP | BertGen median (p10) ms | ORT median (p10) ms | ORT/BertGen | BertGen GFLOP/s | ORT GFLOP/s | caller CPU ms BertGen / ORT | max |Δ| hidden / pooled |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
EndToEndBenchmark.Run(cases, options, row => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {row.Case} | {row.Batch}×{row.Sequence} | {row.ForwardGflop:F2} | {row.BertGenMedianMs:F2} ({row.BertGenP10Ms:F2}) | {row.OnnxRuntimeMedianMs:F2} ({row.OnnxRuntimeP10Ms:F2}) | {row.Speedup:F2}× | {row.BertGenGflops:F0} | {row.OnnxRuntimeGflops:F0} | {row.BertGenCallerCpuMs:F2} / {row.OnnxRuntimeCallerCpuMs:F2} | {row.MaxAbsDiffHidden:E1} / {row.MaxAbsDiffPooled:E1} |")));
return 0;
