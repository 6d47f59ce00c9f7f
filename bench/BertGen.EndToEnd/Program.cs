using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BertGen.Bench;
using BertGen.Bench.Models;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Weights;

// Usage: BertGen.EndToEnd [--threads N] [--runs N] [--warmup N] [--only minilm|bert-base|graph-check|int8|int8-linear|long] [--memory [--precision fp32|int8]]
//        BertGen.EndToEnd --write-int8 PATH [--only bert-base]; then --memory --int8-file PATH [--only bert-base]
//        BertGen.EndToEnd --profile SECONDS [--threads N] [--only minilm [--batch 1|8] | --only bert-base] [--precision fp32|int8]
//        BertGen.EndToEnd bdn [BenchmarkDotNet arguments]
if (args.Length > 0 && args[0] == "bdn")
{
    BenchmarkDotNet.Running.BenchmarkSwitcher.FromTypes([typeof(ForwardBenchmarks)]).Run(args[1..]);
    return 0;
}

const string Usage = "Usage: BertGen.EndToEnd [--threads N] [--runs N] [--warmup N] [--only minilm|bert-base|graph-check|int8|int8-linear|long] [--memory [--precision fp32|int8 | --int8-file PATH]] [--write-int8 PATH] [--profile SECONDS]";
string[] modes = ["minilm", "bert-base", "graph-check", "int8", "int8-linear", "long"];
int threads = 2, runs = 100, warmup = 30, profileSeconds = 0, profileBatch = 0;
string? only = null, int8File = null, writeInt8 = null;
bool memory = false;
Precision memoryPrecision = Precision.Fp32;
for (int i = 0; i < args.Length; i++)
{
    string option = args[i];
    if (option == "--memory")
    {
        memory = true;
        continue;
    }

    string? value = ++i < args.Length ? args[i] : null;
    bool? valid = option switch
    {
        "--threads" => TryCount(value, 1, out threads) && threads <= 256,
        "--runs" => TryCount(value, 1, out runs),
        "--warmup" => TryCount(value, 0, out warmup),
        "--profile" => TryCount(value, 1, out profileSeconds),
        "--int8-file" => (int8File = value) is { Length: > 0 },
        "--write-int8" => (writeInt8 = value) is { Length: > 0 },
        "--batch" => value is "1" or "8" && TryCount(value, 1, out profileBatch),
        "--only" => Array.IndexOf(modes, only = value) >= 0,
        "--precision" => value is "fp32" or "int8" && Enum.TryParse(value, ignoreCase: true, out memoryPrecision),
        _ => null,
    };
    if (valid != true)
    {
        Console.Error.WriteLine(valid is null ? $"Unknown argument {option}. {Usage}" : $"Bad value for {option}: {value ?? "none"}. {Usage}");
        return 2;
    }
}

// Combinations that would otherwise silently measure something else, each refused in one line.
string? misuse = (int8File, writeInt8, profileSeconds, profileBatch) switch
{
    (not null, _, _, _) when !memory => "--int8-file says which file --memory reads; write one with --write-int8 PATH.",
    (_, not null, _, _) when memory || profileSeconds > 0 => "--write-int8 runs on its own: then --memory --int8-file PATH reads the file.",
    (_, not null, _, _) when only is not (null or "minilm" or "bert-base") => "--write-int8 writes MiniLM's or (--only bert-base) BERT-base's int8 file.",
    (_, _, > 0, _) when memory => "--profile and --memory are separate runs.",
    (_, _, > 0, _) when only is not (null or "minilm" or "bert-base") => "--profile runs --only minilm (1×128, 8×128) or --only bert-base (1×128).",
    (_, _, > 0, 8) when only == "bert-base" => "BERT-base is profiled at 1×128 only.",
    (_, _, 0, > 0) => "--batch chooses what --profile runs.",
    _ => null,
};
if (misuse is not null)
{
    Console.Error.WriteLine($"{misuse} {Usage}");
    return 2;
}

if (memoryPrecision != Precision.Fp32 && !memory && profileSeconds == 0)
{
    Console.Error.WriteLine($"--precision chooses what --memory or --profile measures; --only int8 times both precisions. {Usage}");
    return 2;
}

if (only == "int8-linear")
{
    // Not a timing: ORT's int8 linear layer against BertGen's on the same int8 weights, within a stated bound, and
    // the whole written int8 MiniLM graph against BertGen's fp32 forward.
    bool linear = Int8LinearCheck.Run(threads, Console.Out);
    bool graph = Int8GraphCheck.Run(threads, Console.Out);
    return linear && graph ? 0 : 1;
}

// The model the single-model modes (--write-int8, --memory, --profile) run: MiniLM unless --only bert-base.
BenchModel chosen = only == "bert-base" ? BenchModel.BertBase : BenchModel.MiniLm;
static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MB";

if (writeInt8 is not null)
{
    // The int8 weights file --memory --int8-file reads, written here so that process never holds the fp32 weights.
    using var pool = new BertGen.Runtime.Threading.ComputePool(threads);
    using IBertModel model = chosen.Descriptor.Create(pool);
    chosen.LoadWeights(model);
    ParameterSaver.SaveInt8(model, writeInt8);
    // MB of 10⁶ bytes, as `bertgen quantize` reports the same file.
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {writeInt8} ({new System.IO.FileInfo(writeInt8).Length / 1e6:F1} MB)"));
    return 0;
}

if (memory && int8File is not null)
{
    MemoryFootprint footprint;
    try
    {
        footprint = MemoryFootprint.MeasureInt8File(chosen.Descriptor, int8File, 1, 128, threads, chosen.Int8AtB1S128);
    }
    catch (WeightFileException e)
    {
        Console.Error.WriteLine($"--int8-file {int8File}: {e.Message} (write it with --write-int8 PATH{(chosen == BenchModel.BertBase ? " --only bert-base" : "")})");
        return 2;
    }

    Console.WriteLine($"{chosen.Name} B1S128 int8 from {int8File}, {threads} threads: peak RSS {Mb(footprint.PeakResidentBytes)} " +
        $"(before the model: {Mb(footprint.BaselineResidentBytes)}; after loading the file: {Mb(footprint.LoadedPeakResidentBytes)}; RSS after the runs: " +
        $"{Mb(footprint.ResidentBytes)}); int8 weights {Mb(footprint.PackedWeightBytes)}, arena {Mb(footprint.ArenaBytes)}, parameter buffer " +
        $"{Mb(footprint.ParameterBytes)} allocated (the word embeddings' rows are read in place from the file's mapping, only those a text uses resident)");
    return 0;
}

if (memory)
{
    // Its own process run: ORT must not be loaded, or its weights and arenas would count.
    bool int8 = memoryPrecision == Precision.Int8;
    MemoryFootprint footprint = MemoryFootprint.Measure(chosen.Descriptor, chosen.LoadWeights, 1, 128, threads, int8 ? chosen.Int8AtB1S128 : null);
    Console.WriteLine($"{chosen.Name} B1S128 {(int8 ? "int8" : "fp32")}, {threads} threads: inference-only, peak RSS {Mb(footprint.PeakResidentBytes)} = parameters {Mb(footprint.ParameterBytes)} + {(int8 ? "int8" : "packed")} weights {Mb(footprint.PackedWeightBytes)} − released HF-layout linear weights {Mb(footprint.ReleasedBytes)} + arena {Mb(footprint.ArenaBytes)} + {Mb(footprint.OverheadBytes)} other (peak RSS before the model: {Mb(footprint.BaselineResidentBytes)}; after loading the weights: {Mb(footprint.LoadedPeakResidentBytes)}; RSS after the runs: {Mb(footprint.ResidentBytes)})");
    return 0;
}

var options = new EndToEndOptions(threads, warmup, runs);
if (profileSeconds > 0)
{
    // BertGen alone, call after call, for a sampling profiler (perf record): no ORT in the process.
    int[] batches = chosen == BenchModel.BertBase ? [1] : profileBatch > 0 ? [profileBatch] : [1, 8];
    foreach (int batch in batches)
    {
        ForwardProfile.Run(chosen, batch, 128, threads, memoryPrecision, profileSeconds, Console.Out);
    }

    return 0;
}

if (only == "int8")
{
    Int8ForwardReport.Print([new(BenchModel.MiniLm, 1, 128), new(BenchModel.MiniLm, 8, 128), new(BenchModel.BertBase, 1, 128)], options, Console.Out);
    return 0;
}

byte[] miniLmOnnx;
using (PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.MiniLmL6V2))
{
    miniLmOnnx = package.ReadModelOnnx();
}

// ORT on MiniLM runs the package's own export (pooler output "924"); on BERT-base, a graph written from the same weights.
EndToEndCase PackageGraph(int batch, int sequence, string? name = null) => new(name ?? BenchModel.MiniLm.Name, BenchModel.MiniLm.Descriptor, batch,
    sequence, BenchModel.MiniLm.Weights, BenchModel.MiniLm.LoadWeights, _ => miniLmOnnx, "924");
EndToEndCase WrittenGraph(BenchModel benchModel, int batch, int sequence, string? name = null) => new(name ?? benchModel.Name, benchModel.Descriptor,
    batch, sequence, benchModel.Weights, benchModel.LoadWeights, model => BertOnnxGraph.Write(model, benchModel.Descriptor, sequence),
    BertOnnxGraph.PoolerOutputName);

var cases = new List<EndToEndCase>();
if (only is null or "minilm")
{
    cases.Add(PackageGraph(1, 128));
    cases.Add(PackageGraph(8, 128));
}

if (only is null or "graph-check")
{
    // Fairness check of the written graph: ORT on MiniLM's real weights through BertOnnxGraph, to set beside the
    // package's own torch export. If ORT optimised the written graph worse, BERT-base's ratio would flatter BertGen.
    cases.Add(WrittenGraph(BenchModel.MiniLm, 1, 128, "all-MiniLM-L6-v2, written graph"));
    cases.Add(PackageGraph(1, 128, "all-MiniLM-L6-v2, package graph"));
}

if (only == "long")
{
    // Issue 11's long-sequence cases, where attention's share of the work grows with S: not part of the default run.
    cases.Add(PackageGraph(1, 256));
    cases.Add(WrittenGraph(BenchModel.BertBase, 1, 512));
}

if (only is null or "bert-base")
{
    cases.Add(WrittenGraph(BenchModel.BertBase, 1, 128));
}

Console.WriteLine($"BertGen vs ONNX Runtime {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version}, {threads} threads, {warmup} warm-up + {runs} timed runs each in alternating blocks of {options.BlockRuns}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
Console.WriteLine($"host: {HostDescription.Cpu()}; load average at start: {HostDescription.Load()}");
Console.WriteLine("| model | batch×seq | GFLOP | BertGen median (p10) ms | ORT median (p10) ms | ORT/BertGen | in-run FMA ceiling GFLOP/s | BertGen GFLOP/s (% ceiling) | ORT GFLOP/s | caller CPU ms BertGen / ORT | max |Δ| hidden / pooled |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
EndToEndBenchmark.Run(cases, options, row => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {row.Case} | {row.Batch}×{row.Sequence} | {row.ForwardGflop:F2} | {row.BertGenMedianMs:F2} ({row.BertGenP10Ms:F2}) | {row.OnnxRuntimeMedianMs:F2} ({row.OnnxRuntimeP10Ms:F2}) | {row.Speedup:F2}× | {row.FmaCeilingGflops:F0} | {row.BertGenGflops:F0} ({100 * row.BertGenCeilingShare:F0}%) | {row.OnnxRuntimeGflops:F0} | {row.BertGenCallerCpuMs:F2} / {row.OnnxRuntimeCallerCpuMs:F2} | {row.MaxAbsDiffHidden:E1} / {row.MaxAbsDiffPooled:E1} |")));
Console.WriteLine($"load average at end: {HostDescription.Load()}");
return 0;

static bool TryCount(string? text, int min, out int count) =>
    int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count >= min;
