using System;
using System.Collections.Generic;
using System.Globalization;
using BertGen.Bench;
using BertGen.Bench.Models;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Weights;

// Usage: BertGen.EndToEnd [--threads N] [--runs N] [--warmup N] [--only minilm|bert-base]
int threads = 2, runs = 100, warmup = 30;
string? only = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--only": only = args[++i]; break;
        default:
            Console.Error.WriteLine($"Unknown argument {args[i]}. Usage: BertGen.EndToEnd [--threads N] [--runs N] [--warmup N] [--only minilm|bert-base]");
            return 2;
    }
}

byte[] miniLmOnnx;
using (PretrainedPackage package = PretrainedPackage.Open(PretrainedModel.MiniLmL6V2))
{
    miniLmOnnx = package.ReadModelOnnx();
}

void LoadMiniLm(IBertModel model) => ParameterLoader.LoadPretrained(PretrainedModel.MiniLmL6V2, model.ParameterTable, model.Parameters.AsSpan());
void InitBertBase(IBertModel model) => ((BertBaseEncoder)model).InitializeParameters(20240601);

var cases = new List<EndToEndCase>();
if (only is null or "minilm")
{
    cases.Add(new EndToEndCase("all-MiniLM-L6-v2", MiniLmL6.Descriptor, 1, 128, "real (package)", LoadMiniLm, _ => miniLmOnnx, "924"));
    cases.Add(new EndToEndCase("all-MiniLM-L6-v2", MiniLmL6.Descriptor, 8, 128, "real (package)", LoadMiniLm, _ => miniLmOnnx, "924"));
}

if (only is null or "bert-base")
{
    cases.Add(new EndToEndCase("BERT-base", BertBaseEncoder.Descriptor, 1, 128, "random (seed 20240601)", InitBertBase,
        model => BertOnnxGraph.Write(model, BertBaseEncoder.Descriptor, 1, 128), BertOnnxGraph.PoolerOutputName));
}

var options = new EndToEndOptions(threads, warmup, runs);
Console.WriteLine($"BertGen vs ONNX Runtime {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version}, {threads} threads, {warmup} warm-up + {runs} alternating timed runs, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
Console.WriteLine("| model | batch×seq | GFLOP | BertGen median (p10) ms | ORT median (p10) ms | ORT/BertGen | BertGen GFLOP/s | ORT GFLOP/s | max |Δ| hidden / pooled |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
EndToEndBenchmark.Run(cases, options, row => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {row.Case} | {row.Batch}×{row.Sequence} | {row.ForwardGflop:F2} | {row.BertGenMedianMs:F2} ({row.BertGenP10Ms:F2}) | {row.OnnxRuntimeMedianMs:F2} ({row.OnnxRuntimeP10Ms:F2}) | {row.Speedup:F2}× | {row.BertGenGflops:F0} | {row.OnnxRuntimeGflops:F0} | {row.MaxAbsDiffHidden:E1} / {row.MaxAbsDiffPooled:E1} |")));
return 0;
