using System;
using System.Collections.Generic;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BertGen.Runtime;
using BertGen.Runtime.CompilerServices;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Threading;

namespace BertGen.Bench;

/// <summary>
/// The non-GEMM kernels of a training step at BERT-base 8×128 and MiniLM 1×128 sizes, and AdamW over BERT-mini's
/// parameters, on 1 and 2 threads. They do a few flops per float, so they are reported in GB/s (bytes each call must
/// read and write, over the median time), the figure that bounds them.
/// </summary>
[Config(typeof(Config))]
public unsafe class StreamKernelBenchmarks
{
    private AlignedBuffer? _a, _b, _c, _d, _small;
    private ComputePool? _pool;
    private AdamW? _adamW;

    /// <summary>The kernel and its size.</summary>
    [ParamsSource(nameof(Kernels))]
    public StreamKernel Kernel { get; set; } = StreamKernel.All[0];

    /// <summary>Threads (the caller plus workers).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>The cases.</summary>
    public static IEnumerable<StreamKernel> Kernels => StreamKernel.All;

    /// <summary>Allocates and fills the operands.</summary>
    [GlobalSetup]
    public void Setup()
    {
        long n = (long)Kernel.Rows * Kernel.Width;
        _a = Filled(n, 1);
        _b = Filled(n, 2);
        _c = Filled(n, 3);
        _d = Filled(n, 4);
        _small = Filled(Math.Max(Kernel.Rows, Kernel.Width), 5);
        _pool = Threads > 1 ? new ComputePool(Threads) : null;
        if (Kernel.Kind == StreamKernelKind.AdamW)
        {
            var table = new[] { new ParameterInfo("all", 0, [Kernel.Rows, Kernel.Width], ParameterKind.Weight) };
            _adamW = new AdamW(table, n, AdamWSettings.Torch, _pool);
        }
    }

    /// <summary>One call of the kernel.</summary>
    [Benchmark]
    public void Run()
    {
        int rows = Kernel.Rows, width = Kernel.Width;
        long n = (long)rows * width;
        switch (Kernel.Kind)
        {
            case StreamKernelKind.LayerNormForward:
                LayerNormKernels.Forward(_a!.Pointer, _b!.Pointer, _c!.Pointer, _small!.Pointer, rows, width, _d!.Pointer, _d.Pointer, 1e-12f, _pool);
                break;
            case StreamKernelKind.GeluForward:
                ActivationKernels.Forward(Activation.GeluErf, _a!.Pointer, _b!.Pointer, n, _pool);
                break;
            case StreamKernelKind.GeluBackward:
                ActivationKernels.Backward(Activation.GeluErf, _a!.Pointer, _b!.Pointer, n, _pool);
                break;
            case StreamKernelKind.DropoutAndResidual:
                Dropout.ApplyAndAdd(_a!.Pointer, _b!.Pointer, n, 0.1f, 42, 7, _pool);
                break;
            case StreamKernelKind.BiasGradient:
                RowReductions.AddColumnSums(_a!.Pointer, rows, width, width, _small!.Pointer, _pool);
                break;
            case StreamKernelKind.AdamW:
                _adamW!.Step(_a!, _b!, 1e-7);
                break;
            default:
                throw new InvalidOperationException($"Unknown kernel {Kernel.Kind}.");
        }
    }

    /// <summary>Frees everything.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _adamW?.Dispose();
        _a?.Dispose();
        _b?.Dispose();
        _c?.Dispose();
        _d?.Dispose();
        _small?.Dispose();
        _pool?.Dispose();
    }

    private static AlignedBuffer Filled(long length, int seed)
    {
        var buffer = new AlignedBuffer(length);
        var random = new Random(seed);
        for (long i = 0; i < length; i++)
        {
            buffer.Pointer[i] = (float)((random.NextDouble() * 4) - 2);
        }

        return buffer;
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new GigabytesPerSecondColumn());
    }

    private sealed class GigabytesPerSecondColumn : IColumn
    {
        public string Id => "BertGen.GBps";

        public string ColumnName => "GB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "bytes the kernel must read and write over the median time";

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            summary[benchmarkCase]?.ResultStatistics is { } statistics && benchmarkCase.Parameters["Kernel"] is StreamKernel kernel
                ? (kernel.Bytes / statistics.Median).ToString("F1", CultureInfo.InvariantCulture) // bytes per ns = GB/s
                : "-";

        public override string ToString() => ColumnName;
    }
}

/// <summary>What a <see cref="StreamKernel"/> runs.</summary>
public enum StreamKernelKind
{
    /// <summary>Training LayerNorm forward: y, x̂ and 1/σ written.</summary>
    LayerNormForward,

    /// <summary>erf GELU of the FFN pre-activation.</summary>
    GeluForward,

    /// <summary>gradient ·= GELU'(pre-activation).</summary>
    GeluBackward,

    /// <summary>Hidden dropout then the residual add.</summary>
    DropoutAndResidual,

    /// <summary>Column sums of an output gradient into a bias gradient.</summary>
    BiasGradient,

    /// <summary>One torch-flavour AdamW step over every parameter.</summary>
    AdamW,
}

/// <summary>One streaming kernel at one size: rows × width floats.</summary>
public sealed record StreamKernel(string Name, StreamKernelKind Kind, int Rows, int Width)
{
    /// <summary>Floats each call must move, per element: reads plus writes.</summary>
    public double Bytes => 4.0 * Rows * Width * Kind switch
    {
        StreamKernelKind.LayerNormForward => 3, // read x; write y, x̂
        StreamKernelKind.GeluForward => 2,      // read pre; write act
        StreamKernelKind.GeluBackward => 3,     // read pre, grad; write grad
        StreamKernelKind.DropoutAndResidual => 3, // read y, residual; write y
        StreamKernelKind.BiasGradient => 1,     // read the gradient
        StreamKernelKind.AdamW => 8,            // read g for the clipping norm; read p, g, m, v; write p, m, v
        _ => 0,
    };

    /// <summary>BERT-base at 8×128 tokens (training), MiniLM at 1×128 (inference sizes), AdamW over BERT-mini.</summary>
    public static StreamKernel[] All { get; } =
    [
        new("base LayerNorm 1024×768", StreamKernelKind.LayerNormForward, 1024, 768),
        new("base GELU fwd 1024×3072", StreamKernelKind.GeluForward, 1024, 3072),
        new("base GELU bwd 1024×3072", StreamKernelKind.GeluBackward, 1024, 3072),
        new("base dropout+res 1024×768", StreamKernelKind.DropoutAndResidual, 1024, 768),
        new("base bias grad 1024×3072", StreamKernelKind.BiasGradient, 1024, 3072),
        new("minilm LayerNorm 128×384", StreamKernelKind.LayerNormForward, 128, 384),
        new("minilm GELU fwd 128×1536", StreamKernelKind.GeluForward, 128, 1536),
        new("mini AdamW 11.2M", StreamKernelKind.AdamW, 11171, 1000),
    ];

    /// <inheritdoc/>
    public override string ToString() => Name;
}
