using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Memory;

namespace BertGen.DistributedBench;

/// <summary>
/// Open MPI's in-place float all-reduce (sum) from 4 KB to BERT-base's whole gradient (440 MB): median time per call
/// over repeated calls after warm-up, and the bus bandwidth a ring all-reduce implies, 2(N−1)/N · bytes / time
/// (NCCL's "busbw": the bytes each link carries), so figures for different N compare.
/// </summary>
internal static class AllReduceBenchmark
{
    public static void Run(IDataParallelGroup group, long maxBytes)
    {
        if (group.Rank == 0)
        {
            Console.WriteLine($"all-reduce (sum, in place, float) over {group.Size} ranks");
            Console.WriteLine("| bytes | median µs | min µs | algorithm bandwidth GB/s | bus bandwidth GB/s |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: |");
        }

        using var buffer = new AlignedBuffer(maxBytes / sizeof(float));
        var slowest = new double[2];
        buffer.AsSpan().Fill(1f);
        for (long bytes = 4096; bytes <= maxBytes; bytes = bytes * 4 > maxBytes && bytes < maxBytes ? maxBytes : bytes * 4)
        {
            long count = bytes / sizeof(float);
            int repeats = (int)Math.Clamp(2_000_000_000L / Math.Max(bytes, 1) / 64, 3, 200);
            for (int i = 0; i < 2; i++)
            {
                group.AllReduceSum(buffer, 0, count);
            }

            var times = new List<double>();
            for (int i = 0; i < repeats; i++)
            {
                group.Barrier();
                long start = Stopwatch.GetTimestamp();
                group.AllReduceSum(buffer, 0, count);
                times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }

            // Every rank's time counts: a collective is as slow as its slowest rank.
            times.Sort();
            slowest[0] = times[times.Count / 2];
            slowest[1] = times[0];
            MaxOver(group, slowest);
            if (group.Rank == 0)
            {
                double algorithm = bytes / (slowest[0] * 1e3);
                double bus = algorithm * 2 * (group.Size - 1) / group.Size;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {bytes:N0} | {slowest[0]:F1} | {slowest[1]:F1} | {algorithm:F2} | {bus:F2} |"));
            }

            buffer.AsSpan().Fill(1f); // keep the values small: repeated sums grow them by N each call
        }

        ZeroCollectives(group, buffer, maxBytes);
    }

    // ZeRO-1's pair at the largest size: the reduce-scatter of the gradients and the all-gather of the parameters.
    private static void ZeroCollectives(IDataParallelGroup group, AlignedBuffer buffer, long bytes)
    {
        var counts = new int[group.Size];
        long floats = bytes / sizeof(float);
        for (int r = 0; r < group.Size; r++)
        {
            counts[r] = (int)(floats / group.Size);
        }

        using var part = new AlignedBuffer(counts[group.Rank]);
        var scatter = new List<double>();
        var gather = new List<double>();
        for (int i = 0; i < 7; i++)
        {
            group.Barrier();
            long start = Stopwatch.GetTimestamp();
            group.ReduceScatterSum(buffer, part, counts);
            scatter.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            group.Barrier();
            start = Stopwatch.GetTimestamp();
            group.AllGather(buffer, counts);
            gather.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        scatter.Sort();
        gather.Sort();
        var slowest = new[] { scatter[scatter.Count / 2], gather[gather.Count / 2] };
        MaxOver(group, slowest);
        if (group.Rank == 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ZeRO-1 at {bytes:N0} bytes: reduce-scatter {slowest[0] / 1e3:F1} ms, all-gather {slowest[1] / 1e3:F1} ms (medians of 7)"));
        }
    }

    // The maximum over ranks through a sum of one-hot slots: the group interface has sums only.
    private static void MaxOver(IDataParallelGroup group, Span<double> values)
    {
        var all = new double[values.Length * group.Size];
        values.CopyTo(all.AsSpan(group.Rank * values.Length));
        group.AllReduceSum(all);
        for (int i = 0; i < values.Length; i++)
        {
            double max = double.MinValue;
            for (int r = 0; r < group.Size; r++)
            {
                max = Math.Max(max, all[(r * values.Length) + i]);
            }

            values[i] = max;
        }
    }
}
