using System;
using System.Globalization;
using System.IO;
using BertGen.Kernels.Tests.Attention;
using BertGen.Runtime.Kernels.Attention;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// <c>dotnet run -c Release -- attention</c>: one layer's self-attention as the generated code runs it today
/// (<see cref="UnfusedAttention"/>: per (sequence, head) GEMMs, softmax, dropout) against <see cref="FusedAttention"/>,
/// side by side with samples alternating between the two, for MiniLM and BERT-base heads at batch 1 and 8 on 1 and
/// 2 threads: the inference forward, the training forward (dropout 0.1, saving what the backward needs) and the
/// backward. Rates count attention's useful FLOPs — 4·s²·hidden per sequence forward (Q·Kᵀ and P·V), 8·s²·hidden
/// backward (dV, dP, dQ, dK; the fused backward's recomputation of Q·Kᵀ is not counted) — against the FMA ceiling
/// measured in the same run. One-thread cells time the calling thread's CPU (<see cref="ThreadCpuTime"/>), ceiling
/// included, so a neighbour's time slices drop out; two-thread cells are wall time.
/// </summary>
public static unsafe class AttentionQuickTable
{
    private const int Samples = 15;
    private const double SampleSeconds = 0.01;
    private const float Dropout = 0.1f;

    private static readonly (string Model, int Heads, int HeadSize, int Batch, int Sequence)[] Cases =
    [
        ("MiniLM", 12, 32, 1, 128), ("MiniLM", 12, 32, 8, 128), ("MiniLM", 12, 32, 1, 256), ("MiniLM", 12, 32, 8, 256),
        ("BERT-base", 12, 64, 1, 128), ("BERT-base", 12, 64, 8, 128), ("BERT-base", 12, 64, 1, 512), ("BERT-base", 12, 64, 8, 512),
    ];

    /// <summary>Prints the host, the ceiling and one markdown table row per case, thread count and op.</summary>
    /// <param name="threadCounts">Thread counts to measure (default 1 and 2).</param>
    public static void Run(int[] threadCounts)
    {
        Console.WriteLine($"host: {CpuLine()}; load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
        using ComputePool pool = new(2);
        (double peakMedian, double peakBest) = TimeCpuAlternating([() => FmaPeak.Run(1f)])[0];
        (double peak2Median, double peak2Best) = QuickTable.Time(() => pool.Run(&PeakPart, null, 2));
        double[] ceiling = [0, FmaPeak.Flops / peakBest / 1e9, 2 * FmaPeak.Flops / peak2Best / 1e9];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"in-run FMA ceiling (24 chains): 1 thread (CPU time, best of {Samples}) {ceiling[1]:F1} GFLOP/s (median {FmaPeak.Flops / peakMedian / 1e9:F1}), 2 threads {ceiling[2]:F1} (median {2 * FmaPeak.Flops / peak2Median / 1e9:F1})"));
        AttentionTileProbe.Print(128, 32, ceiling[1]);
        AttentionTileProbe.Print(128, 64, ceiling[1]);
        AttentionTileProbe.Print(512, 64, ceiling[1]);
        if (Environment.GetEnvironmentVariable("BERTGEN_ATTENTION_TILES_ONLY") == "1")
        {
            return;
        }

        Console.WriteLine($"each cell: median / best of {Samples} samples of ≥ {SampleSeconds * 1e3:F0} ms, today and fused alternating");
        Console.WriteLine("| case | threads | op | today ms median / best | fused ms median / best | speed-up (best) | today % ceiling | fused % ceiling |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach ((string model, int heads, int headSize, int batch, int sequence) in Cases)
        {
            using var fixture = new Fixture(new AttentionGeometry(batch, sequence, heads, headSize));
            foreach (int threads in threadCounts)
            {
                ComputePool? p = threads == 1 ? null : pool;
                double forwardFlops = 4.0 * sequence * sequence * heads * headSize * batch;
                Func<Action[], (double Median, double Best)[]> time = threads == 1 ? TimeCpuAlternating : actions => QuickTable.TimeAlternating(actions, Samples, SampleSeconds);
                Row(time, $"{model} {batch}×{sequence}", threads, "forward", forwardFlops, ceiling[threads], () => fixture.TodayForward(p, 0f), () => fixture.FusedForward(p));
                Row(time, $"{model} {batch}×{sequence}", threads, "training forward, statistics", forwardFlops, ceiling[threads], () => fixture.TodayForward(p, Dropout), () => fixture.FusedTrainingForward(p, false));
                Row(time, $"{model} {batch}×{sequence}", threads, "training forward, + exponentials", forwardFlops, ceiling[threads], () => fixture.TodayForward(p, Dropout), () => fixture.FusedTrainingForward(p, true));
                Row(time, $"{model} {batch}×{sequence}", threads, "backward, recompute", 2 * forwardFlops, ceiling[threads], () => fixture.TodayBackward(p), () => fixture.FusedBackward(p, false));
                Row(time, $"{model} {batch}×{sequence}", threads, "backward, saved exponentials", 2 * forwardFlops, ceiling[threads], () => fixture.TodayBackward(p), () => fixture.FusedBackward(p, true));
            }
        }

        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    /// <summary>
    /// Runs one fused op on one thread for <paramref name="seconds"/> (for <c>perf record</c> with
    /// <c>DOTNET_PerfMapEnabled=1</c>): <c>-- attention-loop heads headSize batch sequence forward|training|backward|backward-saved seconds</c>.
    /// </summary>
    public static void Loop(string[] args)
    {
        int[] n = Array.ConvertAll(args[1..5], int.Parse);
        using var fixture = new Fixture(new AttentionGeometry(n[2], n[3], n[0], n[1]));
        Action op = args[5] switch
        {
            "forward" => () => fixture.FusedForward(null),
            "training" => () => fixture.FusedTrainingForward(null, false),
            "backward" => () => fixture.FusedBackward(null, false),
            "backward-saved" => () => fixture.FusedBackward(null, true),
            "today-backward" => () => fixture.TodayBackward(null),
            _ => throw new ArgumentException($"Unknown op {args[5]}."),
        };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < double.Parse(args[6], CultureInfo.InvariantCulture))
        {
            op();
        }
    }

    private static void Row(Func<Action[], (double Median, double Best)[]> time, string name, int threads, string op, double flops, double ceiling, Action today, Action fused)
    {
        (double Median, double Best)[] t = time([today, fused]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {threads} | {op} | {t[0].Median * 1e3:F3} / {t[0].Best * 1e3:F3} | {t[1].Median * 1e3:F3} / {t[1].Best * 1e3:F3} | {t[0].Best / t[1].Best:F2}× | {100 * flops / t[0].Best / 1e9 / ceiling:F0}% | {100 * flops / t[1].Best / 1e9 / ceiling:F0}% |"));
    }

    /// <summary>Median and best CPU seconds of the calling thread per call, samples of each action in turn.</summary>
    private static (double Median, double Best)[] TimeCpuAlternating(Action[] actions)
    {
        int[] calls = Array.ConvertAll(actions, action =>
        {
            action();
            double start = ThreadCpuTime.NowMs();
            action();
            return Math.Max(1, (int)(SampleSeconds * 1e3 / Math.Max(ThreadCpuTime.NowMs() - start, 1e-3)));
        });
        double[][] times = Array.ConvertAll(actions, _ => new double[Samples]);
        for (int s = 0; s < Samples; s++)
        {
            for (int a = 0; a < actions.Length; a++)
            {
                double start = ThreadCpuTime.NowMs();
                for (int i = 0; i < calls[a]; i++)
                {
                    actions[a]();
                }

                times[a][s] = (ThreadCpuTime.NowMs() - start) / 1e3 / calls[a];
            }
        }

        return Array.ConvertAll(times, t =>
        {
            Array.Sort(t);
            return (t[Samples / 2], t[0]);
        });
    }

    private static string CpuLine()
    {
        string name = "?", family = "?", model = "?";
        foreach (string line in File.ReadLines("/proc/cpuinfo"))
        {
            string[] kv = line.Split(':', 2);
            if (kv.Length < 2)
            {
                continue;
            }

            switch (kv[0].Trim())
            {
                case "model name": name = kv[1].Trim(); break;
                case "cpu family": family = kv[1].Trim(); break;
                case "model": model = kv[1].Trim(); break;
            }
        }

        return $"{name}, family {family} model {model}, {Environment.ProcessorCount} cores";
    }

    private static void PeakPart(void* context, int part, int parts) => FmaPeak.Run(part);

    /// <summary>One shape's operands for both implementations, scratch for two parts.</summary>
    private sealed class Fixture : IDisposable
    {
        private const int Parts = 2;
        private readonly AttentionGeometry _g;
        private readonly AlignedBuffer _qkv, _mask, _context, _statistics, _exponentials, _dContext, _dQkv, _probabilities, _fusedScratch, _todayScratch;

        public Fixture(AttentionGeometry g)
        {
            _g = g;
            long tokens = (long)g.Batch * g.Sequence;
            _qkv = Random(tokens * g.QkvWidth, 1);
            _dContext = Random(tokens * g.Hidden, 2);
            _mask = new AlignedBuffer(tokens);
            _context = new AlignedBuffer(tokens * g.Hidden);
            _statistics = new AlignedBuffer(g.StatisticsLength);
            _exponentials = new AlignedBuffer(g.ExponentialsLength);
            _dQkv = new AlignedBuffer(tokens * g.QkvWidth);
            _probabilities = new AlignedBuffer(UnfusedAttention.ProbabilitiesLength(g));
            _fusedScratch = new AlignedBuffer(Parts * Math.Max(g.ForwardScratchPerPart, g.BackwardScratchPerPart));
            _todayScratch = new AlignedBuffer(Parts * UnfusedAttention.ScratchPerPart(g));
            TodayForward(null, Dropout);
            FusedTrainingForward(null, saveExponentials: true);
        }

        public void TodayForward(ComputePool? pool, float dropout) =>
            UnfusedAttention.Forward(_g, _qkv.Pointer, _mask.Pointer, _probabilities.Pointer, _context.Pointer, dropout, 1, 16, _todayScratch.Pointer, pool, Parts);

        public void TodayBackward(ComputePool? pool) =>
            UnfusedAttention.Backward(_g, _qkv.Pointer, _probabilities.Pointer, _dContext.Pointer, _dQkv.Pointer, Dropout, 1, 16, _todayScratch.Pointer, pool, Parts);

        public void FusedForward(ComputePool? pool) =>
            FusedAttention.Forward(_g, _qkv.Pointer, _mask.Pointer, _context.Pointer, _fusedScratch.Pointer, pool, Parts);

        public void FusedTrainingForward(ComputePool? pool, bool saveExponentials) =>
            FusedAttention.TrainingForward(_g, _qkv.Pointer, _mask.Pointer, _context.Pointer, _statistics.Pointer, saveExponentials ? _exponentials.Pointer : null,
                Dropout, 1, 16, _fusedScratch.Pointer, pool, Parts);

        public void FusedBackward(ComputePool? pool, bool savedExponentials) =>
            FusedAttention.Backward(_g, _qkv.Pointer, _mask.Pointer, _statistics.Pointer, savedExponentials ? _exponentials.Pointer : null, _dContext.Pointer, _dQkv.Pointer,
                Dropout, 1, 16, _fusedScratch.Pointer, pool, Parts);

        public void Dispose()
        {
            foreach (AlignedBuffer buffer in new[] { _qkv, _mask, _context, _statistics, _exponentials, _dContext, _dQkv, _probabilities, _fusedScratch, _todayScratch })
            {
                buffer.Dispose();
            }
        }

        private static AlignedBuffer Random(long length, int seed)
        {
            var buffer = new AlignedBuffer(length);
            var random = new Random(seed);
            for (long i = 0; i < length; i++)
            {
                buffer.Pointer[i] = (float)((random.NextDouble() * 4) - 2);
            }

            return buffer;
        }
    }
}
