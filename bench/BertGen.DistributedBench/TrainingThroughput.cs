using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using BertGen.Models;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Training;
using BertGen.TrainingBench;

namespace BertGen.DistributedBench;

/// <summary>
/// Training steps per second of one configuration: this process (a rank of an mpirun job, or alone) trains BERT-mini or
/// BERT-base at 8 × 128 on synthetic batches through the real <see cref="Trainer"/> (all-reduce, AdamW, repacking
/// included) and, on rank 0, prints one result line: median step time and global tokens per second. Modes:
/// <c>overlap</c> (buckets reduced during the backward, a progress thread testing them), <c>overlap-layers</c> (the same,
/// progressed only at layer boundaries), <c>no-overlap</c> (one all-reduce after it), <c>zero</c>
/// (ZeRO-1), <c>alone</c> (each rank trains its own model: no communication, the compute-only time under the same
/// load), <c>replicas</c> (two replicas on threads of this one process, <see cref="InProcessReplicas"/>, summing over
/// shared memory). <see cref="Comparison"/> runs the configurations alternately.
/// </summary>
internal static class TrainingThroughput
{
    public const int Batch = 8, Sequence = 128, Predictions = 20;

    public static void Run(IDataParallelGroup? group, string model, string mode, int steps, int threads)
    {
        if (mode == "replicas" && group is null)
        {
            InProcessReplicas.Run(2, replica =>
            {
                Run(replica, model, mode, steps, threads);
                return 0;
            });
            return;
        }

        using var pool = new ComputePool(threads);
        using ITrainableModel trainable = Create(model, pool);
        trainable.InitializeParameters(seed: 1);
        trainable.PrepareWeights();
        var source = new CyclingSource(Enumerable.Range(0, 4).Select(i => SyntheticPretrainingBatch.Create(Batch, Sequence, Predictions, trainable.VocabSize, (ulong)i)).ToArray());
        var options = new TrainerOptions
        {
            Steps = steps + 2,
            Schedule = new LinearWarmupDecaySchedule(1e-4, 1, steps + 2),
            DataParallel = new DataParallelSettings { OverlapReduction = mode switch { "no-overlap" => false, "replicas" => null, _ => true }, ProgressThread = mode != "overlap-layers", ShardOptimizerState = mode == "zero" },
        };
        using var trainer = new Trainer(trainable, source, options, pool: pool, group: mode == "alone" ? null : group);
        var times = new List<double>();
        for (int i = 0; i < steps + 2; i++)
        {
            group?.Barrier(); // start every step together: a step is as slow as its slowest rank
            long start = Stopwatch.GetTimestamp();
            trainer.TrainStep();
            if (mode == "alone")
            {
                group?.Barrier();
            }

            if (i >= 2)
            {
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        int ranks = group?.Size ?? 1;
        times.Sort();
        double median = times[times.Count / 2];
        double tokens = (double)ranks * Batch * Sequence / (median / 1000);
        if (group is null || group.Rank == 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT model={model} mode={mode} ranks={ranks} threads={threads} median_ms={median:F1} min_ms={times[0]:F1} tokens_per_s={tokens:F0} gradient_mb={trainable.Gradients.Length * 4 / 1e6:F1}"));
        }
    }

    private static ITrainableModel Create(string name, ComputePool pool) => name switch
    {
        "mini" => new BertMini(pool),
        "base" => new BertBase(pool),
        _ => throw new ArgumentException($"unknown model '{name}' (mini, base)"),
    };

    /// <summary>The same few synthetic batches over and over: a step's cost does not depend on the token values.</summary>
    private sealed class CyclingSource(TrainingBatch[] batches) : ITrainingBatchSource
    {
        private int _next;

        public int BatchSize => Batch;

        public int SequenceLength => Sequence;

        public int Epoch => 0;

        public TrainingBatch CreateBatch() => SyntheticPretrainingBatch.Create(Batch, Sequence, Predictions, 30522, 99);

        public void Next(TrainingBatch batch)
        {
            TrainingBatch from = batches[_next++ % batches.Length];
            from.InputIds.CopyTo(batch.InputIds, 0);
            from.AttentionMask.CopyTo(batch.AttentionMask, 0);
            from.TokenTypeIds.CopyTo(batch.TokenTypeIds, 0);
            from.MaskedLmPositions.CopyTo(batch.MaskedLmPositions, 0);
            from.MaskedLmIds.CopyTo(batch.MaskedLmIds, 0);
            from.MaskedLmWeights.CopyTo(batch.MaskedLmWeights, 0);
            from.NextSentenceLabels.CopyTo(batch.NextSentenceLabels, 0);
        }

        public void Skip() => _next++;

        public byte[] SaveState() => BitConverter.GetBytes(_next);

        public void RestoreState(ReadOnlySpan<byte> state) => _next = BitConverter.ToInt32(state);
    }
}
