using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Training;
using Spectre.Console;

namespace BertGen.Cli.Commands;

/// <summary>
/// <c>bertgen bench</c>: times this build's compiled code for one model, the forward pass at every compiled shape
/// and, for models with training, the training step (forward with saved activations, loss, backward) at each.
/// </summary>
internal sealed class BenchCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var model = new Option<string>("--model", "-m")
        {
            Description = $"A compiled model ({ModelCatalog.CompiledNames}) or a pretrained name (its architecture).",
            DefaultValueFactory = _ => "minilm-l6",
            HelpName = "NAME",
        };
        var runs = new Option<int>("--runs") { Description = "Timed runs per shape (the median is reported).", DefaultValueFactory = _ => 10, HelpName = "N" };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs per shape first (page faults, caches, JIT).", DefaultValueFactory = _ => 2, HelpName = "N" };
        Option<int?> threads = CommonOptions.Threads();

        var command = new Command("bench", "Time BertGen's own compiled kernels for a model: the forward pass at each compiled shape and, for models "
            + "with training, the training step. Parameters are a seeded random initialisation (the time does not depend on the values). "
            + "Prints the median and fastest time, tokens/s and GFLOP/s from the generated plan's FLOP counts. "
            + "Comparisons with ONNX Runtime and libtorch on the same shapes live in the repository's bench/ folder.")
        {
            model, runs, warmup, threads,
        };
        command.SetAction(parse =>
        {
            string name = parse.GetValue(model)!;
            ModelDescriptor descriptor = ModelCatalog.RequireCompiled(name);
            int timed = parse.GetValue(runs);
            int untimed = parse.GetValue(warmup);
            // A million runs is far past what a median needs; --runs 2147483647 was "out of memory" (a time per run is kept).
            if (timed is < 1 or > MaxRuns)
            {
                throw new CliUsageException(string.Create(CultureInfo.InvariantCulture, $"--runs must be between 1 and {MaxRuns:N0}, not {timed}"));
            }

            if (untimed is < 0 or > MaxRuns)
            {
                throw new CliUsageException(string.Create(CultureInfo.InvariantCulture, $"--warmup must be between 0 and {MaxRuns:N0}, not {untimed}"));
            }

            if (parse.GetValue(threads) is int count && (count < 1 || count > 1024))
            {
                throw new CliUsageException($"--threads must be between 1 and 1024, not {count}");
            }

            using ComputePool? pool = parse.GetValue(threads) is int t ? new ComputePool(t) : null;
            using IBertModel instance = descriptor.Create(pool);
            instance.InitializeParameters(12345);
            instance.PrepareWeights();
            if (descriptor.Precisions.Contains(Precision.Int8))
            {
                ((IInt8Model)instance).PrepareInt8Weights();
            }
            List<BenchRow> rows = WorkProgress.Run(context.Console, parse.GetValue(context.Quiet), progress => Measure(instance, descriptor, timed, untimed, progress));
            WriteTable(context.Console, descriptor, instance.Pool.ThreadCount, rows);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The most timed (and untimed) runs per shape --runs and --warmup take.</summary>
    private const int MaxRuns = 1_000_000;

    /// <summary>One timed pass at one shape.</summary>
    internal sealed record BenchRow(string Pass, int Batch, int Sequence, double MedianMilliseconds, double FastestMilliseconds, double Flops);

    private static List<BenchRow> Measure(IBertModel model, ModelDescriptor descriptor, int runs, int warmup, IProgressSink progress)
    {
        var rows = new List<BenchRow>();
        var random = new Random(12345);
        foreach (Precision precision in descriptor.Precisions)
        {
            // "forward" for fp32 as before; "forward int8" for the int8 passes, timed on the same inputs.
            string pass = precision == Precision.Fp32 ? "forward" : "forward " + ComputePrecision.Of(precision).Name;
            foreach (ShapeDescriptor shape in descriptor.Shapes)
            {
                progress.Begin($"{pass} {shape.Batch}×{shape.Sequence}", warmup + runs);
                (int[] ids, int[] mask, int[] types) = Inputs(shape.Batch, shape.Sequence, descriptor.VocabSize, random);
                using IForwardPass forward = model.CreateForwardPass(shape.Batch, shape.Sequence, precision);
                double[] times = Time(() => forward.Run(ids, mask, types), runs, warmup, progress);
                rows.Add(new BenchRow(pass, shape.Batch, shape.Sequence, Median(times), times.Min(), shape.ForwardFlops));
            }
        }

        if (model is ITrainableModel trainable)
        {
            foreach (ShapeDescriptor shape in descriptor.Shapes)
            {
                progress.Begin($"training step {shape.Batch}×{shape.Sequence}", warmup + runs);
                using ITrainingStep step = trainable.CreateTrainingStep(shape.Batch, shape.Sequence);
                TrainingBatch batch = TrainingBatchFor(trainable, descriptor, step, random);
                ulong seed = 0;
                double[] times = Time(() =>
                {
                    step.Run(batch, StepMode.Train, seed++, replaceGradients: true);
                }, runs, warmup, progress);
                rows.Add(new BenchRow("training step", shape.Batch, shape.Sequence, Median(times), times.Min(), shape.TrainingStepFlops));
            }
        }

        return rows;
    }

    private static double[] Time(Action run, int runs, int warmup, IProgressSink progress)
    {
        for (int i = 0; i < warmup; i++)
        {
            run();
            progress.Report(i + 1);
        }

        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long started = Stopwatch.GetTimestamp();
            run();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            progress.Report(warmup + i + 1);
        }

        return times;
    }

    internal static double Median(double[] values)
    {
        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Full-length sequences of random ordinary word pieces: the worst case a shape is compiled for.</summary>
    private static (int[] Ids, int[] Mask, int[] Types) Inputs(int batch, int sequence, int vocabularySize, Random random)
    {
        var ids = new int[batch * sequence];
        for (int i = 0; i < ids.Length; i++)
        {
            // Above the special and unused tokens at the start of BERT's vocabulary.
            ids[i] = random.Next(Math.Min(1000, vocabularySize - 1), vocabularySize);
        }

        var mask = new int[ids.Length];
        Array.Fill(mask, 1);
        return (ids, mask, new int[ids.Length]);
    }

    private static TrainingBatch TrainingBatchFor(ITrainableModel model, ModelDescriptor descriptor, ITrainingStep step, Random random)
    {
        (int[] ids, int[] mask, int[] types) = Inputs(step.Batch, step.Sequence, descriptor.VocabSize, random);
        switch (model.Objective)
        {
            case TrainingObjective.Pretraining:
            case TrainingObjective.MaskedLm:
            {
                int predictions = step.Batch * step.MaxPredictions;
                var positions = new int[predictions];
                var labels = new int[predictions];
                var weights = new float[predictions];
                for (int i = 0; i < predictions; i++)
                {
                    // Distinct positions after [CLS], every prediction slot real: the most work the step does.
                    positions[i] = 1 + (i % step.MaxPredictions);
                    labels[i] = ids[(i / step.MaxPredictions) * step.Sequence + positions[i]];
                    weights[i] = 1f;
                }

                return new TrainingBatch
                {
                    InputIds = ids,
                    AttentionMask = mask,
                    TokenTypeIds = types,
                    MaskedLmPositions = positions,
                    MaskedLmIds = labels,
                    MaskedLmWeights = weights,
                    NextSentenceLabels = model.Objective == TrainingObjective.Pretraining ? Enumerable.Range(0, step.Batch).Select(i => i % 2).ToArray() : [],
                };
            }

            case TrainingObjective.SequenceClassification:
                return new TrainingBatch
                {
                    InputIds = ids,
                    AttentionMask = mask,
                    TokenTypeIds = types,
                    ClassLabels = Enumerable.Range(0, step.Batch).Select(i => i % Math.Max(1, descriptor.Labels.Count)).ToArray(),
                };

            default:
                throw new CliFailureException($"bench has no training batch for the {model.Objective} objective of '{ModelCatalog.CliName(descriptor)}'");
        }
    }

    /// <summary>The GEMM micro-kernel this process runs: the widest the CPU and this build allow (an x86-64-v3 AOT binary stays on AVX2).</summary>
    internal static string KernelPath() => GemmPathResolver.Resolve(GemmPath.Auto) switch
    {
        GemmPath.Avx512 => "AVX-512",
        GemmPath.Avx2 => "AVX2",
        GemmPath.Scalar => "scalar",
        GemmPath path => throw new InvalidOperationException($"GEMM path {path} is not a concrete path"),
    };

    private static void WriteTable(CliConsole console, ModelDescriptor descriptor, int threads, List<BenchRow> rows)
    {
        var table = new Table();
        table.Title = new TableTitle(Markup.Escape($"{ModelCatalog.CliName(descriptor)} ({descriptor.Name}), {threads} threads, {KernelPath()} kernels"));
        table.AddColumn("pass");
        table.AddColumn(TableOutput.Number("batch"));
        table.AddColumn(TableOutput.Number("sequence"));
        table.AddColumn(TableOutput.Number("median ms"));
        table.AddColumn(TableOutput.Number("fastest ms"));
        table.AddColumn(TableOutput.Number("tokens/s"));
        table.AddColumn(TableOutput.Number("GFLOP/s"));
        foreach (BenchRow row in rows)
        {
            double seconds = row.MedianMilliseconds / 1000;
            table.AddRow(
                row.Pass,
                row.Batch.ToString(CultureInfo.InvariantCulture),
                row.Sequence.ToString(CultureInfo.InvariantCulture),
                row.MedianMilliseconds.ToString("F2", CultureInfo.InvariantCulture),
                row.FastestMilliseconds.ToString("F2", CultureInfo.InvariantCulture),
                (row.Batch * row.Sequence / seconds).ToString("N0", CultureInfo.InvariantCulture),
                (row.Flops / seconds / 1e9).ToString("F1", CultureInfo.InvariantCulture));
        }

        TableOutput.Write(console, table);
        if (rows.Any(r => r.Pass == "training step"))
        {
            console.Output.WriteLine("training step GFLOP/s: ≈ 3 × the forward FLOPs (backward ≈ 2 × forward), with the MLM head counted at the gathered positions only.");
        }
#if DEBUG
        console.Warn("this is a Debug build (JIT optimisations off): the times are not representative; build with -c Release");
#endif
    }
}
