using System;
using System.Linq;
using BertGen.Generator.Model;
using BertGen.Generator.Planning;

namespace BertGen.Generator.Emitting;

/// <summary>
/// Emits the inference forward pass of one fixed shape in one precision as straight-line code: its constants and arena
/// plan, then <c>Run</c>, which is the plan's ops in order, each under its description (<see cref="OpWriter"/>).
/// </summary>
internal static class ForwardEmitter
{
    /// <summary>The class nested in a shape's pass that runs one thread's share of its per-thread schedule.</summary>
    public const string PerThreadClass = "PerThread";

    /// <summary>The struct nested in a shape's pass that hands every thread of the schedule its pointers.</summary>
    public const string ShareContextType = "ShareContext";

    /// <summary>The nested class of a shape's fp32 forward pass, e.g. <c>B8S128</c>.</summary>
    public static string ClassName(ShapeVariant shape) => shape.Name;

    /// <summary>The nested class of a shape's forward pass in a precision, e.g. <c>B8S128</c> or <c>B8S128Int8</c>.</summary>
    public static string ClassName(ShapeVariant shape, Precision precision) => shape.Name + Precisions.Of(precision).ClassSuffix;

    public static string ClassName(VariantPlan variant) => ClassName(variant.Shape, variant.Precision);

    public static void Emit(SourceWriter w, ModelPlan plan, VariantPlan variant)
    {
        ModelSpec spec = plan.Spec;
        ShapeVariant shape = variant.Shape;
        string name = ClassName(variant);
        using (w.Block($"public sealed partial class {spec.TypeName}"))
        {
            string precision = variant.Precision == Precision.Fp32 ? string.Empty : $" in {Precisions.Of(variant.Precision).SpecName} ({Precisions.Of(variant.Precision).Scheme})";
            w.Summary($"The compiled forward pass for batch {shape.Batch} × sequence {shape.Sequence}{precision}: {shape.Tokens} tokens per call, {Literals.Grouped(variant.ForwardFlops)} FLOPs.");
            ModelEmitter.GeneratedCodeAttribute(w);
            using (w.Block($"public sealed unsafe partial class {name} : IForwardPass"))
            {
                ModelEmitter.ShapeConstants(w, shape, variant.Attention);
                ModelEmitter.Const(w, "long", "ForwardFlops", Literals.Long(variant.ForwardFlops));
                if (variant.PerThread is { } planned)
                {
                    w.Comment("The pool size the per-thread schedule is planned for (bertgen.threads); other pools run op by op.");
                    ModelEmitter.Const(w, "int", "PlannedThreads", Literals.Int(planned.Threads));
                    w.Comment("Floats of the threads' own arenas, allocated when the schedule first runs (besides ArenaLength, which holds the outputs).");
                    ModelEmitter.Const(w, "long", "ThreadArenasLength", Literals.Long(checked(planned.Threads * planned.Share.ArenaLength)));
                }

                ModelEmitter.ArenaConstants(w, "Activation arena: buffers whose lifetimes do not overlap share memory.", variant.ArenaLength, variant.Buffers);
                w.Line();
                w.Summary("The forward pass as planned, one line per op, for inspection tools.");
                w.Line("public static IReadOnlyList<string> ForwardOps { get; } = new string[]");
                using (w.Block(close: "};"))
                {
                    foreach (PlannedOp op in variant.Ops)
                    {
                        w.Line(Literals.String(op.Description!) + ",");
                    }
                }

                w.Line();
                w.Summary("The arena's buffers, for inspection tools.");
                ModelEmitter.ArenaTable(w, variant.Buffers);
                w.Line();
                ModelEmitter.PassMembers(w, spec.TypeName, name,
                    $"{spec.TypeName}'s {Precisions.Of(variant.Precision).SpecName} forward pass {variant.Shape.Batch}×{variant.Shape.Sequence}", threadArenas: variant.PerThread is not null);
                foreach (string property in new[] { "LastHiddenState", "PooledOutput", "MaskedLmLogits", "NextSentenceLogits", "SequenceLogits", "TokenLogits", "QuestionAnsweringLogits" })
                {
                    ForwardOutput? output = variant.Outputs.FirstOrDefault(o => o.Property == property);
                    w.Line(output is null
                        ? $"public ReadOnlySpan<float> {property} => default;"
                        : $"public ReadOnlySpan<float> {property} => new(_arena.Pointer + {CodeNames.ArenaOffset(output.Buffer)}, {Literals.Int(output.Length)});");
                    w.Line();
                }

                EmitRun(w, variant);
                w.Line();
                AttentionEmitter.Emit(w, variant.Attention);
                if (variant.PerThread is { } split)
                {
                    w.Line();
                    EmitPerThread(w, variant, split);
                }
            }
        }
    }

    // The per-thread schedule: what each thread is handed, the hand-out, and one thread's pass (a nested class with
    // the share's own constants, arena and attention).
    private static void EmitPerThread(SourceWriter w, VariantPlan variant, SequenceSplit split)
    {
        VariantPlan share = split.Share;
        if (!share.Outputs.Select(o => o.Buffer).SequenceEqual(variant.Outputs.Select(o => o.Buffer)))
        {
            // RunShare passes the whole pass's output rows to the share's parameters by position.
            throw new InvalidOperationException($"The per-thread share of {variant.Shape.Name} plans other outputs than the whole pass.");
        }

        bool int8 = variant.Precision == Precision.Int8;
        string weights = int8 ? "float* q, float* words" : "float* w";
        w.Summary("What every thread of the planned schedule reads: the weights, the inputs, the outputs and the threads' arenas.");
        using (w.Block($"private struct {ShareContextType}"))
        {
            w.Line(int8 ? "public float* P, Q, Words, Arena, ThreadArenas;" : "public float* P, W, Arena, ThreadArenas;");
            w.Line("public int* Ids, Mask, Types;");
        }

        w.Line();
        w.Summary($"Thread t of {split.Threads}: sequences [{share.Shape.Batch}·t, {share.Shape.Batch}·t + {share.Shape.Batch}) in the thread's own arena, into its rows of the outputs.");
        using (w.Block("private static void RunShare(void* context, int thread, int threads)"))
        {
            w.Line($"{ShareContextType}* s = ({ShareContextType}*)context;");
            w.Line($"int first = thread * {PerThreadClass}.BatchSize;");
            w.Line("long token = (long)first * SequenceLength;");
            w.Comment("The thread's rows of each output start at its first sequence: " + string.Join(", ", variant.Outputs.Select(o => $"{o.Buffer} {Literals.Grouped(o.Length / variant.Shape.Batch)} floats per sequence")) + ".");
            string rows = string.Concat(variant.Outputs.Select(o => $", s->Arena + {CodeNames.ArenaOffset(o.Buffer)} + (long)first * {Literals.Long(o.Length / variant.Shape.Batch)}"));
            w.Line($"{PerThreadClass}.Run(s->P, {(int8 ? "s->Q, s->Words" : "s->W")}, s->ThreadArenas + thread * {PerThreadClass}.ArenaLength, s->Ids + token, s->Mask + token, s->Types + token{rows});");
        }

        w.Line();
        w.Summary($"One thread's share of the planned schedule: the forward pass of batch {share.Shape.Batch} × sequence {share.Shape.Sequence}, every op on the calling thread.");
        using (w.Block($"private static class {PerThreadClass}"))
        {
            ModelEmitter.ShapeConstants(w, share.Shape, share.Attention);
            ModelEmitter.ArenaConstants(w, "One thread's arena (the outputs are the whole pass's, written in place): buffers whose lifetimes do not overlap share memory.", share.ArenaLength, share.Buffers);
            w.Line();
            w.Summary("Runs the share's ops in order; inputs and outputs point at the thread's first sequence.");
            w.Line(ModelEmitter.OptimizeNow);
            string outputs = string.Concat(share.Outputs.Select(o => ", float* " + SequenceSplit.RowsPointer(o.Buffer)));
            using (w.Block($"public static void Run(float* p, {weights}, float* arena, int* ids, int* mask, int* types{outputs})"))
            {
                w.Line("ComputePool? pool = null; // one thread: every kernel runs on the caller");
                var ops = new OpWriter(w);
                foreach (PlannedOp op in share.Ops)
                {
                    ops.Write(op);
                }
            }

            w.Line();
            AttentionEmitter.Emit(w, share.Attention);
        }
    }

    private static void EmitRun(SourceWriter w, VariantPlan variant)
    {
        w.Summary("Runs the forward pass; inputs are [Batch, Sequence] row-major.");
        w.Line(ModelEmitter.OptimizeNow);
        using (w.Block("public void Run(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> attentionMask, ReadOnlySpan<int> tokenTypeIds)"))
        {
            w.Line("using OneCallAtATime.Call call = _calls.Enter();");
            w.Line("InputValidation.Check(inputIds, attentionMask, tokenTypeIds, Tokens, VocabSize, TypeVocabSize);");
            if (variant.Precision == Precision.Int8)
            {
                w.Comment("Embeddings and LayerNorm parameters from the HF-layout buffer (word embeddings possibly in place in an int8 weights file),");
                w.Comment("linear layers from the int8 copy.");
                w.Line("float* q = _model.Int8WeightsPointer();");
                w.Line("float* p = _model._parameters.Pointer;");
                w.Line("float* words = _model.Int8WordEmbeddings();");
            }
            else
            {
                w.Line("_model.EnsureWeightsPrepared();");
                w.Comment("Embeddings and LayerNorm parameters from the HF-layout buffer (kept by inference-only models), linear layers from the packed copy.");
                w.Line("float* p = _model._parameters.Pointer;");
                w.Line("float* w = _model._packedWeights.Pointer;");
            }

            w.Line("float* arena = _arena.Pointer;");
            w.Line("ComputePool pool = _model.Pool;");
            using (w.Block("fixed (int* ids = inputIds, mask = attentionMask, types = tokenTypeIds)"))
            {
                if (variant.PerThread is { } split)
                {
                    int share = split.Share.Shape.Batch;
                    w.Comment($"The planned schedule, for a pool of {split.Threads} threads: thread t runs sequences [{share}·t, {share}·t + {share}) through the whole pass on its own " +
                        "(no hand-off between ops, no activation crossing cores). A pool of any other size runs the ops below one by one, each split over it; " +
                        "the results are bitwise the same either way.");
                    using (w.Block("if (pool.ThreadCount == PlannedThreads)"))
                    {
                        w.Line("_threadArenas ??= new AlignedBuffer(ThreadArenasLength, owner: this);");
                        string weights = variant.Precision == Precision.Int8 ? "Q = q, Words = words" : "W = w";
                        w.Line($"var context = new {ShareContextType} {{ P = p, {weights}, Arena = arena, ThreadArenas = _threadArenas.Pointer, Ids = ids, Mask = mask, Types = types }};");
                        w.Line("pool.Run(&RunShare, &context, PlannedThreads);");
                        w.Line("return;");
                    }

                    w.Line();
                }

                var ops = new OpWriter(w);
                foreach (PlannedOp op in variant.Ops)
                {
                    ops.Write(op);
                }
            }
        }
    }
}
