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
                ModelEmitter.PassMembers(w, spec.TypeName, name);
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
            }
        }
    }

    private static void EmitRun(SourceWriter w, VariantPlan variant)
    {
        w.Summary("Runs the forward pass; inputs are [Batch, Sequence] row-major.");
        w.Line(ModelEmitter.OptimizeNow);
        using (w.Block("public void Run(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> attentionMask, ReadOnlySpan<int> tokenTypeIds)"))
        {
            w.Line("InputValidation.Check(inputIds, attentionMask, tokenTypeIds, Tokens, VocabSize, TypeVocabSize);");
            if (variant.Precision == Precision.Int8)
            {
                w.Comment("Embeddings and LayerNorm parameters from the HF-layout buffer (word embeddings possibly in place in an int8 weights file),");
                w.Comment("linear layers from the int8 copy.");
                w.Line("float* p = _model._parameters.Pointer;");
                w.Line("float* q = _model.Int8WeightsPointer();");
                w.Line("float* words = _model.Int8WordEmbeddings();");
            }
            else
            {
                w.Line("_model.EnsureWeightsPrepared();");
                w.Comment("Embeddings and LayerNorm parameters from the HF-layout buffer (kept by inference-only models), linear layers from the packed copy.");
                w.Line("float* p = _model._parameters.Pointer;");
                w.Line("float* w = _model.PackedWeights.Pointer;");
            }

            w.Line("float* arena = _arena.Pointer;");
            w.Line("ComputePool pool = _model.Pool;");
            using (w.Block("fixed (int* ids = inputIds, mask = attentionMask, types = tokenTypeIds)"))
            {
                var ops = new OpWriter(w);
                foreach (PlannedOp op in variant.Ops)
                {
                    ops.Write(op);
                }
            }
        }
    }
}
