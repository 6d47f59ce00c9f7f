using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BertGen.Runtime.Kernels;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Threading;

namespace BertGen.Runtime.Optimization;

/// <summary>
/// AdamW over a model's flat parameter and gradient buffers, in either <see cref="AdamWFlavor"/>. The moments m and
/// v are buffers laid out exactly like the parameters (same offsets), so checkpoints store them under the
/// parameters' names. One step clips by global norm, then updates every tensor of the table with its own
/// weight-decay flag; the clip factor is applied as the gradients are read, so the gradient buffer is left as the
/// training steps wrote it and no pass is spent rewriting it. A step allocates nothing. With a
/// <see cref="ComputePool"/> both passes (norm, update) are split into equal element ranges, one per thread: the
/// step is memory-bound (p, g, m, v read, p, m, v written), and the updates are element-wise, so they come out
/// bit-identical to a single-threaded step (the norm's summation order, and so its last bits, depend on the
/// number of parts). A package user builds it from the model (<c>new AdamW(model)</c>) and steps it with
/// <c>Step(learningRate)</c>, which re-packs the model's weights; the table-built form and the raw steps over buffers
/// are the trainer's (ZeRO parts, data-parallel norms) and internal, so no user loop can leave the packed weights stale.
/// </summary>
public sealed unsafe partial class AdamW : IDisposable
{
    // Below this many elements per thread the hand-off costs more than the memory traffic it shares.
    private const long MinimumElementsPerPart = 1 << 16;

    private readonly ParameterInfo[] _table;
    private readonly long _elements;
    private readonly long _shardOffset;
    private readonly int _segmentCount;
    private readonly VectorWidth _width;
    private readonly ComputePool? _pool;
    private Segment* _segments;

    /// <param name="table">The model's parameter table; offsets index all four buffers.</param>
    /// <param name="parameterCount">Length of the parameter buffer (the moments get the same length).</param>
    /// <param name="settings">Flavour and hyper-parameters.</param>
    /// <param name="pool">Threads to split each step over, or null for the calling thread alone.</param>
    internal AdamW(IReadOnlyList<ParameterInfo> table, long parameterCount, AdamWSettings settings, ComputePool? pool = null)
        : this(table, parameterCount, settings, VectorWidths.Best, pool)
    {
    }

    internal AdamW(IReadOnlyList<ParameterInfo> table, long parameterCount, AdamWSettings settings, VectorWidth width, ComputePool? pool = null)
        : this(table, parameterCount, settings, width, pool, 0, parameterCount)
    {
    }

    /// <summary>
    /// An optimiser of the floats [<paramref name="shardOffset"/>, <paramref name="shardOffset"/> + <paramref name="shardLength"/>)
    /// of the parameter buffer only (ZeRO-1: each data-parallel process updates its part): m and v hold that range, and
    /// <see cref="Step(AlignedBuffer, AlignedBuffer, double, double)"/> takes that range's gradients.
    /// </summary>
    internal AdamW(IReadOnlyList<ParameterInfo> table, long parameterCount, AdamWSettings settings, ComputePool? pool, long shardOffset, long shardLength)
        : this(table, parameterCount, settings, VectorWidths.Best, pool, shardOffset, shardLength)
    {
    }

    private AdamW(IReadOnlyList<ParameterInfo> table, long parameterCount, AdamWSettings settings, VectorWidth width, ComputePool? pool, long shardOffset, long shardLength)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _table = [.. table];
        foreach (ParameterInfo parameter in _table)
        {
            GradientClipping.RequireInside(parameter, parameterCount, "parameter");
        }

        if (shardOffset < 0 || shardLength < 0 || shardOffset + shardLength > parameterCount)
        {
            throw new OptimizationException($"optimiser part [{shardOffset}, {shardOffset + shardLength}) is outside the parameter buffer of {parameterCount}");
        }

        Settings = settings;
        _width = width;
        _pool = pool;
        _shardOffset = shardOffset;
        FirstMoment = new AlignedBuffer(shardLength);
        SecondMoment = new AlignedBuffer(shardLength);

        // The table (cut to the part this optimiser updates) as unmanaged segments with running element counts, so
        // worker threads find their range from a context pointer without touching managed objects.
        _segments = (Segment*)NativeMemory.Alloc((nuint)Math.Max(1, _table.Length), (nuint)sizeof(Segment));
        for (int t = 0; t < _table.Length; t++)
        {
            long from = Math.Max(_table[t].Offset, shardOffset);
            long to = Math.Min(_table[t].Offset + _table[t].Length, shardOffset + shardLength);
            if (to > from)
            {
                _segments[_segmentCount++] = new Segment(from, to - from, _elements, _table[t].DecaysWeight);
                _elements += to - from;
            }
        }
    }

    ~AdamW() => FreeSegments();

    public AdamWSettings Settings { get; }

    /// <summary>Steps taken (torch's <c>state["step"]</c>; the bias correction of the next step uses StepCount + 1).</summary>
    public long StepCount { get; private set; }

    /// <summary>m, the moving average of gradients, laid out like the parameters (from the part's start, for a part optimiser).</summary>
    public AlignedBuffer FirstMoment { get; }

    /// <summary>v, the moving average of squared gradients, laid out like <see cref="FirstMoment"/>.</summary>
    public AlignedBuffer SecondMoment { get; }

    /// <summary>
    /// Sets the step count after a checkpoint's m and v have been copied into <see cref="FirstMoment"/> and
    /// <see cref="SecondMoment"/>.
    /// </summary>
    public void RestoreStepCount(long stepCount)
    {
        if (stepCount < 0)
        {
            throw new OptimizationException($"a step count cannot be negative; got {stepCount}");
        }

        StepCount = stepCount;
    }

    /// <summary>
    /// One step at <paramref name="learningRate"/>: clip by global norm, then update <paramref name="parameters"/>
    /// in place from <paramref name="gradients"/> (read only). A non-finite gradient norm throws before anything
    /// changes: an fp32 run has no loss scaler that could want to skip the step, so it is a bug to report.
    /// When this optimiser was built for a model and <paramref name="parameters"/> is that model's buffer, the
    /// model's packed weights are re-derived too; otherwise the caller must call <c>PrepareWeights()</c> before the
    /// next forward or training step, which would otherwise still run on the weights packed before this update.
    /// </summary>
    internal OptimizerStepResult Step(AlignedBuffer parameters, AlignedBuffer gradients, double learningRate) =>
        Step(parameters, gradients, learningRate, Math.Sqrt(SumOfSquares(gradients)));

    /// <summary>
    /// Σg² over the gradients this optimiser updates (its part, for a part optimiser), summed in double in part order
    /// (deterministic for a given thread count): what the global norm of data-parallel training adds up across processes.
    /// </summary>
    internal double SumOfSquares(AlignedBuffer gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ObjectDisposedException.ThrowIf(_segments == null, this);
        RequireGradientLength(gradients);
        int parts = Parts();
        double* partialSums = stackalloc double[parts];
        StepContext context = Context(null, gradients);
        context.PartialSums = partialSums;
        Dispatch(&SumOfSquaresPart, &context, parts);
        double sum = 0;
        for (int part = 0; part < parts; part++)
        {
            sum += partialSums[part];
        }

        return sum;
    }

    /// <summary>
    /// One step clipped by <paramref name="gradientNorm"/>, the global norm computed elsewhere (across data-parallel
    /// processes, from <see cref="SumOfSquares"/>), so every process applies the same clip factor.
    /// </summary>
    internal OptimizerStepResult Step(AlignedBuffer parameters, AlignedBuffer gradients, double learningRate, double gradientNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        ObjectDisposedException.ThrowIf(_segments == null, this);
        if (parameters.Length < _shardOffset + FirstMoment.Length)
        {
            throw new OptimizationException($"the optimiser holds moments for floats [{_shardOffset}, {_shardOffset + FirstMoment.Length}) but got {parameters.Length} parameters");
        }

        RequireGradientLength(gradients);
        if (!(learningRate >= 0) || double.IsInfinity(learningRate))
        {
            throw new OptimizationException($"learning rate must be finite and >= 0; got {learningRate}");
        }

        int parts = Parts();
        StepContext context = Context(parameters, gradients);
        double norm = gradientNorm;
        if (!double.IsFinite(norm))
        {
            throw new OptimizationException($"the gradient norm is {norm} at optimiser step {StepCount + 1}; parameters left unchanged");
        }

        // Pass 2: the update, with the clip factor folded into the coefficients.
        double clip = GradientClipping.ClipFactor(norm, Settings.MaxGradientNorm, Settings.ClippingRule);
        long step = StepCount + 1;
        context.Torch = Settings.Flavor == AdamWFlavor.Torch;
        context.TorchDecayed = TorchCoefficients.For(Settings, step, learningRate, Settings.WeightDecay, clip);
        context.TorchPlain = TorchCoefficients.For(Settings, step, learningRate, 0.0, clip);
        context.OriginalDecayed = OriginalBertCoefficients.For(Settings, learningRate, Settings.WeightDecay, clip);
        context.OriginalPlain = OriginalBertCoefficients.For(Settings, learningRate, 0.0, clip);
        Dispatch(&UpdatePart, &context, parts);

        StepCount = step;
        KeepModelWeightsCurrent(parameters);
        return new OptimizerStepResult(norm, clip, learningRate);
    }

    private int Parts() => _pool is null ? 1 : (int)Math.Clamp(_elements / MinimumElementsPerPart, 1, _pool.ThreadCount);

    // A whole optimiser reads gradients at the parameters' offsets; a part optimiser reads its part's gradients from 0.
    private void RequireGradientLength(AlignedBuffer gradients)
    {
        if (gradients.Length != FirstMoment.Length)
        {
            throw new OptimizationException($"the optimiser holds {FirstMoment.Length} moments but got {gradients.Length} gradients");
        }
    }

    // Moments and gradients are indexed from the part's first float, so a pointer into them is (offset − part start).
    private StepContext Context(AlignedBuffer? parameters, AlignedBuffer gradients) => new()
    {
        Segments = _segments,
        SegmentCount = _segmentCount,
        Elements = _elements,
        Width = _width,
        Parameters = parameters is null ? null : parameters.Pointer,
        Gradients = gradients.Pointer - _shardOffset,
        FirstMoment = FirstMoment.Pointer - _shardOffset,
        SecondMoment = SecondMoment.Pointer - _shardOffset,
    };

    public void Dispose()
    {
        FirstMoment.Dispose();
        SecondMoment.Dispose();
        FreeSegments();
        GC.SuppressFinalize(this);
    }

    private void FreeSegments()
    {
        if (_segments != null)
        {
            NativeMemory.Free(_segments);
            _segments = null;
        }
    }

    private void Dispatch(delegate* managed<void*, int, int, void> work, StepContext* context, int parts)
    {
        if (_pool is null || parts == 1)
        {
            work(context, 0, 1);
        }
        else
        {
            _pool.Run(work, context, parts);
        }
    }

    // Part k of n covers elements [k·N/n, (k+1)·N/n) of the tensors laid end to end (padding excluded), cut at
    // multiples of 16 so most vectors stay whole: ParallelRanges' chunking.
    private static (long From, long To) PartRange(long elements, int part, int parts) => ParallelRanges.Chunk(elements, 16, part, parts);

    private static void SumOfSquaresPart(void* state, int part, int parts)
    {
        var c = (StepContext*)state;
        (long lo, long hi) = PartRange(c->Elements, part, parts);
        double sum = 0;
        for (int t = 0; t < c->SegmentCount; t++)
        {
            Segment segment = c->Segments[t];
            long from = Math.Max(lo, segment.Start) - segment.Start;
            long to = Math.Min(hi, segment.Start + segment.Length) - segment.Start;
            if (to > from)
            {
                sum += GradientClipping.SumOfSquares(c->Gradients + segment.Offset + from, to - from, c->Width);
            }
        }

        c->PartialSums[part] = sum;
    }

    private static void UpdatePart(void* state, int part, int parts)
    {
        var c = (StepContext*)state;
        (long lo, long hi) = PartRange(c->Elements, part, parts);
        for (int t = 0; t < c->SegmentCount; t++)
        {
            Segment segment = c->Segments[t];
            long from = Math.Max(lo, segment.Start) - segment.Start;
            long to = Math.Min(hi, segment.Start + segment.Length) - segment.Start;
            if (to <= from)
            {
                continue;
            }

            long at = segment.Offset + from;
            float* p = c->Parameters + at, g = c->Gradients + at, m = c->FirstMoment + at, v = c->SecondMoment + at;
            if (c->Torch)
            {
                UpdateTorch(p, g, m, v, to - from, segment.Decays ? c->TorchDecayed : c->TorchPlain, c->Width);
            }
            else
            {
                UpdateOriginalBert(p, g, m, v, to - from, segment.Decays ? c->OriginalDecayed : c->OriginalPlain, c->Width);
            }
        }
    }

    /// <summary>One tensor: where it lies in the buffers, where it starts among all elements, whether it decays.</summary>
    private readonly record struct Segment(long Offset, long Length, long Start, bool Decays);

    /// <summary>What every part of a step reads: a stack struct of the caller, handed to the pool by pointer.</summary>
    private struct StepContext
    {
        public Segment* Segments;
        public int SegmentCount;
        public long Elements;
        public VectorWidth Width;
        public float* Parameters;
        public float* Gradients;
        public float* FirstMoment;
        public float* SecondMoment;
        public double* PartialSums;
        public bool Torch;
        public TorchCoefficients TorchDecayed;
        public TorchCoefficients TorchPlain;
        public OriginalBertCoefficients OriginalDecayed;
        public OriginalBertCoefficients OriginalPlain;
    }

    // torch's single-tensor AdamW, in its order of operations:
    //   p ← p·(1 − lr·wd);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
    //   p ← p − (lr/(1 − β1ᵗ))·m/(√v/√(1 − β2ᵗ) + eps).
    // Scalars are rounded to float once, as torch does when it applies double scalars to float tensors.
    private readonly record struct TorchCoefficients(float Clip, float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2, float Decay, float StepSize, float BiasCorrection2Sqrt, float Epsilon)
    {
        public static TorchCoefficients For(AdamWSettings s, long step, double lr, double weightDecay, double clip) =>
            new(
                (float)clip,
                (float)s.Beta1,
                (float)(1 - s.Beta1),
                (float)s.Beta2,
                (float)(1 - s.Beta2),
                (float)(1 - lr * weightDecay),
                (float)(lr / (1 - Math.Pow(s.Beta1, step))),
                (float)Math.Sqrt(1 - Math.Pow(s.Beta2, step)),
                (float)s.Epsilon);
    }

    // google-research/bert AdamWeightDecayOptimizer, no bias correction:
    //   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  u ← m/(√v + eps) + wd·p;  p ← p − lr·u.
    private readonly record struct OriginalBertCoefficients(float Clip, float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2, float WeightDecay, float LearningRate, float Epsilon)
    {
        public static OriginalBertCoefficients For(AdamWSettings s, double lr, double weightDecay, double clip) =>
            new((float)clip, (float)s.Beta1, (float)(1 - s.Beta1), (float)s.Beta2, (float)(1 - s.Beta2), (float)weightDecay, (float)lr, (float)s.Epsilon);
    }

    // Every width computes the same fused operations in the same order, so the vector bodies and the scalar
    // tail agree bit for bit (MathF.FusedMultiplyAdd and the vector FMAs are both single-rounded).
    private static void UpdateTorch(float* p, float* g, float* m, float* v, long n, in TorchCoefficients c, VectorWidth width)
    {
        long i = 0;
        if (width == VectorWidth.Bits512)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> grad = Vector512.Load(g + i) * c.Clip;
                Vector512<float> mi = Vector512.FusedMultiplyAdd(Vector512.Create(c.OneMinusBeta1), grad, Vector512.Load(m + i) * c.Beta1);
                Vector512<float> vi = Vector512.FusedMultiplyAdd(grad * c.OneMinusBeta2, grad, Vector512.Load(v + i) * c.Beta2);
                Vector512<float> denominator = Vector512.Sqrt(vi) / c.BiasCorrection2Sqrt + Vector512.Create(c.Epsilon);
                Vector512<float> pi = Vector512.Load(p + i) * c.Decay;
                pi = Vector512.FusedMultiplyAdd(Vector512.Create(-c.StepSize), mi / denominator, pi);
                mi.Store(m + i);
                vi.Store(v + i);
                pi.Store(p + i);
            }
        }
        else if (width == VectorWidth.Bits256)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> grad = Vector256.Load(g + i) * c.Clip;
                Vector256<float> mi = Vector256.FusedMultiplyAdd(Vector256.Create(c.OneMinusBeta1), grad, Vector256.Load(m + i) * c.Beta1);
                Vector256<float> vi = Vector256.FusedMultiplyAdd(grad * c.OneMinusBeta2, grad, Vector256.Load(v + i) * c.Beta2);
                Vector256<float> denominator = Vector256.Sqrt(vi) / c.BiasCorrection2Sqrt + Vector256.Create(c.Epsilon);
                Vector256<float> pi = Vector256.Load(p + i) * c.Decay;
                pi = Vector256.FusedMultiplyAdd(Vector256.Create(-c.StepSize), mi / denominator, pi);
                mi.Store(m + i);
                vi.Store(v + i);
                pi.Store(p + i);
            }
        }

        for (; i < n; i++)
        {
            float grad = g[i] * c.Clip;
            float mi = MathF.FusedMultiplyAdd(c.OneMinusBeta1, grad, m[i] * c.Beta1);
            float vi = MathF.FusedMultiplyAdd(grad * c.OneMinusBeta2, grad, v[i] * c.Beta2);
            float denominator = MathF.Sqrt(vi) / c.BiasCorrection2Sqrt + c.Epsilon;
            float pi = p[i] * c.Decay;
            p[i] = MathF.FusedMultiplyAdd(-c.StepSize, mi / denominator, pi);
            m[i] = mi;
            v[i] = vi;
        }
    }

    private static void UpdateOriginalBert(float* p, float* g, float* m, float* v, long n, in OriginalBertCoefficients c, VectorWidth width)
    {
        long i = 0;
        if (width == VectorWidth.Bits512)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> grad = Vector512.Load(g + i) * c.Clip;
                Vector512<float> mi = Vector512.FusedMultiplyAdd(Vector512.Create(c.OneMinusBeta1), grad, Vector512.Load(m + i) * c.Beta1);
                Vector512<float> vi = Vector512.FusedMultiplyAdd(grad * c.OneMinusBeta2, grad, Vector512.Load(v + i) * c.Beta2);
                Vector512<float> pi = Vector512.Load(p + i);
                Vector512<float> update = Vector512.FusedMultiplyAdd(Vector512.Create(c.WeightDecay), pi, mi / (Vector512.Sqrt(vi) + Vector512.Create(c.Epsilon)));
                pi = Vector512.FusedMultiplyAdd(Vector512.Create(-c.LearningRate), update, pi);
                mi.Store(m + i);
                vi.Store(v + i);
                pi.Store(p + i);
            }
        }
        else if (width == VectorWidth.Bits256)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> grad = Vector256.Load(g + i) * c.Clip;
                Vector256<float> mi = Vector256.FusedMultiplyAdd(Vector256.Create(c.OneMinusBeta1), grad, Vector256.Load(m + i) * c.Beta1);
                Vector256<float> vi = Vector256.FusedMultiplyAdd(grad * c.OneMinusBeta2, grad, Vector256.Load(v + i) * c.Beta2);
                Vector256<float> pi = Vector256.Load(p + i);
                Vector256<float> update = Vector256.FusedMultiplyAdd(Vector256.Create(c.WeightDecay), pi, mi / (Vector256.Sqrt(vi) + Vector256.Create(c.Epsilon)));
                pi = Vector256.FusedMultiplyAdd(Vector256.Create(-c.LearningRate), update, pi);
                mi.Store(m + i);
                vi.Store(v + i);
                pi.Store(p + i);
            }
        }

        for (; i < n; i++)
        {
            float grad = g[i] * c.Clip;
            float mi = MathF.FusedMultiplyAdd(c.OneMinusBeta1, grad, m[i] * c.Beta1);
            float vi = MathF.FusedMultiplyAdd(grad * c.OneMinusBeta2, grad, v[i] * c.Beta2);
            float pi = p[i];
            float update = MathF.FusedMultiplyAdd(c.WeightDecay, pi, mi / (MathF.Sqrt(vi) + c.Epsilon));
            p[i] = MathF.FusedMultiplyAdd(-c.LearningRate, update, pi);
            m[i] = mi;
            v[i] = vi;
        }
    }
}
