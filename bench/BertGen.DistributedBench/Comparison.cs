using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace BertGen.DistributedBench;

/// <summary>
/// Runs the training configurations one after another in blocks, repeated, so they share the machine's background
/// load alike: 2 ranks × 1 thread with overlap, without overlap, ZeRO-1, each rank alone (compute only), two replicas of
/// one thread in one process (<c>--replicas 2</c>), and one process × 2 threads. Prints every block and the medians of the block medians, and how much of the all-reduce the
/// overlap hides: (t_no-overlap − t_overlap) / (t_no-overlap − t_alone).
/// </summary>
internal static class Comparison
{
    public static void Run(string model, int steps, int blocks)
    {
        // This program again: through the dotnet host (dotnet X.dll) or as its own apphost.
        string host = Environment.ProcessPath!;
        string[] self = System.IO.Path.GetFileNameWithoutExtension(host) == "dotnet" ? [host, typeof(Comparison).Assembly.Location] : [host];
        string count = steps.ToString(CultureInfo.InvariantCulture);
        var configurations = new (string Name, string[] Command)[]
        {
            ("2 ranks × 1 thread, overlap", [.. Mpirun(2), .. self, "train", model, "overlap", count, "1"]),
            ("2 ranks × 1 thread, overlap, no progress thread", [.. Mpirun(2), .. self, "train", model, "overlap-layers", count, "1"]),
            ("2 ranks × 1 thread, no overlap", [.. Mpirun(2), .. self, "train", model, "no-overlap", count, "1"]),
            ("2 ranks × 1 thread, ZeRO-1", [.. Mpirun(2), .. self, "train", model, "zero", count, "1"]),
            ("2 ranks × 1 thread, no communication", [.. Mpirun(2), .. self, "train", model, "alone", count, "1"]),
            ("2 replicas × 1 thread in 1 process", [.. self, "train", model, "replicas", count, "1"]),
            ("1 process × 2 threads", [.. self, "train", model, "overlap", count, "2"]),
        };
        var medians = configurations.ToDictionary(c => c.Name, _ => new List<double>());
        var tokens = configurations.ToDictionary(c => c.Name, _ => new List<double>());
        var ceilingOne = new List<double>();
        var ceilingTwo = new List<double>();
        for (int block = 0; block < blocks; block++)
        {
            (double oneThread, double twoThreads) = Ceiling.Measure();
            ceilingOne.Add(oneThread);
            ceilingTwo.Add(twoThreads);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"block {block + 1}: FMA ceiling now {oneThread:F1} GFLOP/s on 1 thread, {twoThreads:F1} on 2"));
            foreach ((string name, string[] command) in configurations)
            {
                Dictionary<string, string> result = RunOne(command);
                medians[name].Add(double.Parse(result["median_ms"], CultureInfo.InvariantCulture));
                tokens[name].Add(double.Parse(result["tokens_per_s"], CultureInfo.InvariantCulture));
                Console.WriteLine($"block {block + 1}: {name,-50} {result["median_ms"],9} ms/step {result["tokens_per_s"],9} tokens/s (gradient {result["gradient_mb"]} MB)");
            }
        }

        Console.WriteLine();
        // The generated code's own count of a training step's matrix FLOPs (3 × forward), per rank, times 2 ranks.
        BertGen.Runtime.Inference.ModelDescriptor descriptor = model == "base" ? BertGen.Models.BertBase.Descriptor : BertGen.Models.BertMini.Descriptor;
        double stepFlops = 2.0 * descriptor.Shapes.Single(s => s.Batch == TrainingThroughput.Batch && s.Sequence == TrainingThroughput.Sequence).TrainingStepFlops;
        double two = Median(ceilingTwo);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FMA ceiling (median of the blocks): {Median(ceilingOne):F1} GFLOP/s on 1 thread, {two:F1} on 2; a global step of 2 × 8×128 is {stepFlops / 1e9:F1} GFLOP"));
        Console.WriteLine($"| BERT-{model}, global batch 2 × 8×128, {steps} steps per run, {blocks} blocks | median ms/step | tokens/s | GFLOP/s | % of 2-core ceiling |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach ((string name, _) in configurations)
        {
            // "1 process × 2 threads" trains one 8×128 batch per step: half the work of a 2-rank step.
            double flops = name.StartsWith("1 process", StringComparison.Ordinal) ? stepFlops / 2 : stepFlops;
            double gflops = flops / (Median(medians[name]) * 1e6);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(medians[name]):F1} | {Median(tokens[name]):F0} | {gflops:F1} | {gflops / two:P0} |"));
        }

        double overlap = Median(medians[configurations[0].Name]), plain = Median(medians[configurations[2].Name]), alone = Median(medians[configurations[4].Name]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"communication: {plain - alone:F1} ms/step without overlap, {overlap - alone:F1} ms with it: overlap hides {(plain - overlap) / Math.Max(1e-9, plain - alone):P0}"));
    }

    private static string[] Mpirun(int ranks) => ["mpirun", "--quiet", "--bind-to", "none", "-np", ranks.ToString(CultureInfo.InvariantCulture)];

    private static Dictionary<string, string> RunOne(string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        // Found anywhere in a line: .NET writes terminal set-up codes first when mpirun gives stdout a pseudo-terminal.
        int at = output.IndexOf("RESULT ", StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException($"'{string.Join(' ', command)}' printed no result (exit {process.ExitCode}): {output}");
        }

        string line = output[(at + "RESULT ".Length)..].Split('\n')[0].Trim();
        return line.Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
