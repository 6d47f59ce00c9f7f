using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Training;
using BertGen.TrainingBench;
using TorchSharp;

// Usage: dotnet run -c Release --project bench/BertGen.TrainingBench -- [mini|base] [steps] [threads]
//        … -- memory bertgen|torch [mini|base] [threads]     (one side alone, prints its peak RSS)
//        … -- alone [mini|base] [steps] [threads]            (BertGen's step alone, for a profiler: perf record …)
//        … -- gemms [threads] [operand copies] [calls]        (BERT-base's training GEMMs one by one, cold or warm)
const int Batch = 8, Sequence = 128, Predictions = 20;
if (args.Length > 0 && args[0] == "memory")
{
    return MeasureMemory(args[1], args.Length > 2 ? args[2] : "mini", args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2);
}

if (args.Length > 0 && args[0] == "gemms")
{
    return TrainingGemms.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Environment.ProcessorCount,
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8, args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 12);
}

if (args.Length > 0 && args[0] == "alone")
{
    return RunAlone(args.Length > 1 ? args[1] : "mini", args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20,
        args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : Environment.ProcessorCount);
}

string modelName = args.Length > 0 ? args[0] : "mini";
int steps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
int threads = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
torch.set_num_threads(threads);

Console.WriteLine($"Training step, BERT-{modelName}, batch {Batch} × sequence {Sequence}, {Predictions} masked positions per sequence, {threads} threads, {steps} timed steps after 2 warm-up steps each");
using var bertgen = new BertGenSide(Create(modelName), threads, Batch, Sequence);
using var libtorch = new TorchSide(bertgen.Model, Batch, Sequence);
var batches = Enumerable.Range(0, 4).Select(i => SyntheticPretrainingBatch.Create(Batch, Sequence, Predictions, bertgen.Model.VocabSize, (ulong)i)).ToArray();

// Warm-up: JIT, first-touch of arenas, libtorch's allocator.
for (int i = 0; i < 2; i++)
{
    bertgen.Step(batches[i % batches.Length]);
    libtorch.Step(batches[i % batches.Length]);
}

// Interleaved in blocks of up to 4 steps, so that both sides see the same background load while neither starts
// in the other's wake (libtorch's OpenMP threads spin for a while after a parallel region; the inference bench
// measured the same effect with ORT's spinning pool).
const int Block = 4;
var ours = new List<double>();
var theirs = new List<double>();
var lossesOurs = new List<double>();
var lossesTheirs = new List<double>();
for (int first = 0; first < steps; first += Block)
{
    int last = Math.Min(first + Block, steps);
    for (int i = first; i < last; i++)
    {
        long start = Stopwatch.GetTimestamp();
        lossesOurs.Add(bertgen.Step(batches[i % batches.Length]));
        ours.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    for (int i = first; i < last; i++)
    {
        long start = Stopwatch.GetTimestamp();
        lossesTheirs.Add(libtorch.Step(batches[i % batches.Length]));
        theirs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    for (int i = first; i < last; i++)
    {
        Console.WriteLine($"  step {i + 1}: BertGen {ours[i],8:F1} ms (loss {lossesOurs[i]:F4})   libtorch {theirs[i],8:F1} ms (loss {lossesTheirs[i]:F4})");
    }
}

double medianOurs = Median(ours), medianTheirs = Median(theirs);
Console.WriteLine();
Console.WriteLine("| side | median ms/step | min ms | tokens/s |");
Console.WriteLine("| --- | --- | --- | --- |");
Console.WriteLine($"| BertGen | {medianOurs:F1} | {ours.Min():F1} | {Batch * Sequence / (medianOurs / 1000):F0} |");
Console.WriteLine($"| libtorch | {medianTheirs:F1} | {theirs.Min():F1} | {Batch * Sequence / (medianTheirs / 1000):F0} |");
Console.WriteLine($"BertGen is {medianTheirs / medianOurs:F2}× libtorch (ratio of medians).");

// Peak memory: each side alone in a child process (one process's peak cannot be split between two peers).
string self = Environment.ProcessPath!;
string dll = typeof(BertGenSide).Assembly.Location;
foreach (string side in new[] { "bertgen", "torch" })
{
    var info = new ProcessStartInfo(self) { RedirectStandardOutput = true };
    if (Path.GetFileNameWithoutExtension(self) == "dotnet")
    {
        info.ArgumentList.Add(dll);
    }

    foreach (string a in new[] { "memory", side, modelName, threads.ToString(CultureInfo.InvariantCulture) })
    {
        info.ArgumentList.Add(a);
    }

    using Process child = Process.Start(info)!;
    string output = child.StandardOutput.ReadToEnd().Trim();
    child.WaitForExit();
    Console.WriteLine(output);
}

return 0;

static int MeasureMemory(string side, string modelName, int threads)
{
    torch.set_num_threads(threads);
    if (side == "bertgen")
    {
        using var bertgen = new BertGenSide(Create(modelName), threads, Batch, Sequence);
        TrainingBatch batch = SyntheticPretrainingBatch.Create(Batch, Sequence, Predictions, bertgen.Model.VocabSize, 1);
        for (int i = 0; i < 3; i++)
        {
            bertgen.Step(batch);
        }

        Console.WriteLine($"peak RSS, BertGen alone (parameters, gradients, m, v, packed weights, arena): {PeakRssMb():F0} MB");
    }
    else
    {
        // Nothing of BertGen's in this process: the weights come from the oracle's own HF initialisation.
        ModelDescriptor descriptor = modelName == "base" ? BertBase.Descriptor : BertMini.Descriptor;
        using var libtorch = new TorchSide(TorchSide.ConfigOf(descriptor.VocabSize, descriptor.HiddenSize, descriptor.Layers, descriptor.MaxPositions, descriptor.TypeVocabSize), Batch, Sequence);
        TrainingBatch batch = SyntheticPretrainingBatch.Create(Batch, Sequence, Predictions, descriptor.VocabSize, 1);
        for (int i = 0; i < 3; i++)
        {
            libtorch.Step(batch);
        }

        Console.WriteLine($"peak RSS, libtorch alone (parameters, gradients, AdamW state, autograd graph): {PeakRssMb():F0} MB");
    }

    return 0;
}

static int RunAlone(string modelName, int steps, int threads)
{
    using var bertgen = new BertGenSide(Create(modelName), threads, Batch, Sequence);
    TrainingBatch[] batches = Enumerable.Range(0, 4).Select(i => SyntheticPretrainingBatch.Create(Batch, Sequence, Predictions, bertgen.Model.VocabSize, (ulong)i)).ToArray();
    var times = new List<double>();
    for (int i = 0; i < steps + 2; i++)
    {
        long start = Stopwatch.GetTimestamp();
        bertgen.Step(batches[i % batches.Length]);
        if (i >= 2)
        {
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }

    Console.WriteLine($"BertGen alone, BERT-{modelName}, {threads} threads: median {Median(times):F1} ms/step, min {times.Min():F1} ms over {steps} steps");
    return 0;
}

static double PeakRssMb()
{
    string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}

static Func<ComputePool, ITrainableModel> Create(string name) => name switch
{
    "mini" => pool => new BertMini(pool),
    "base" => pool => new BertBase(pool),
    _ => throw new ArgumentException($"unknown model '{name}': mini or base"),
};

static double Median(List<double> values)
{
    double[] sorted = values.OrderBy(x => x).ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
