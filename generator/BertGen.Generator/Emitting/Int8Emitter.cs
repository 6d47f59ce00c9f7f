using System.Linq;
using BertGen.Generator.Model;
using BertGen.Generator.Planning;

namespace BertGen.Generator.Emitting;

/// <summary>
/// Emits the int8 part of a model whose spec lists <c>"int8"</c> in <c>precisions</c>: where each linear layer's int8
/// panels and fp32 bias sit in the int8 weights, the names an int8 weights file stores quantised, the preparation
/// methods (quantise from Parameters, or take already quantised weights from a file) and the precision the model's
/// forward passes run in.
/// </summary>
internal static class Int8Emitter
{
    public static void Emit(SourceWriter w, ModelPlan plan)
    {
        string type = plan.Spec.TypeName;
        using (w.Block(ModelEmitter.ClassHeader(plan) + " : IInt8Model"))
        {
            w.Comment($"Int8 weights: each linear layer quantised per output channel into the int8 GEMM's panels of {RuntimeContract.PanelWidth} columns (read as");
            w.Comment("bytes: values, column sums, scales), its fp32 bias after it. Floats, so the biases are aligned floats.");
            ModelEmitter.Const(w, "long", "Int8WeightLength", Literals.Long(plan.QuantizedWeightLength));
            w.Line();
            w.Summary("Where each int8 layer's panels, and its fp32 bias right after them, start in the int8 weights, in floats.");
            WeightsEmitter.OffsetClass(w, CodeNames.QuantizedOffsets, plan, linear => (linear.QuantizedOffset, linear.QuantizedBiasOffset));

            w.Line();
            w.Summary("The HF linear weights the int8 forward reads quantised: what an int8 weights file stores as I8 (a tied decoder is quantised from the word embeddings at load).");
            w.Line("public static IReadOnlyList<string> Int8WeightNames { get; } = new string[]");
            using (w.Block(close: "};"))
            {
                foreach (LinearPart part in plan.PackedLinears.Where(l => WeightsEmitter.Releasable(plan, l)).SelectMany(l => l.Parts))
                {
                    w.Line(Literals.String(part.Weight) + ",");
                }
            }

            w.Line();
            w.Summary("The precisions compiled for this model.");
            w.Line($"public static IReadOnlyList<Precision> Precisions {{ get; }} = {PrecisionList(plan)};");
            w.Line();
            w.Line("private AlignedBuffer? _int8Weights;");
            w.Line("private unsafe float* _wordEmbeddingsInFile;");
            w.Line("private IDisposable? _int8File;");
            w.Line("private bool _int8Prepared;");
            w.Line("private readonly float[] _int8SourceFirsts = new float[PackedSources.Length];");
            w.Line("private Precision _forwardPrecision;");
            w.Line();
            w.Line("IReadOnlyList<Precision> IBertModel.Precisions => Precisions;");
            w.Line();
            w.Line("IReadOnlyList<string> IInt8Model.Int8WeightNames => Int8WeightNames;");
            w.Line();
            w.Line($"string IInt8Model.WordEmbeddingName => {Literals.String(plan.Parameters[0].Name)};");
            w.Line();
            w.Summary("The precision CreateForwardPass(batch, sequence) runs in: fp32 unless prepared for inference in another.");
            w.Line("public Precision ForwardPrecision => _forwardPrecision;");
            w.Line();
            w.Summary(
                "Quantises every linear layer from Parameters for the int8 forward passes (CreateForwardPass(batch, sequence, Precision.Int8)),\n" +
                "keeping the fp32 ones usable. Call again after changing parameters.");
            w.Line("public unsafe void PrepareInt8Weights() => QuantizeWeights(Parameters.Pointer, releaseWeights: false, source: null);");
            w.Line();
            w.Summary(
                "PrepareWeightsForInference for the forward passes of one precision: int8 quantises each linear layer and hands its HF-layout\n" +
                "copy back to the OS, without packing the fp32 ones; CreateForwardPass(batch, sequence) then creates passes of that precision.");
            using (w.Block("public unsafe void PrepareWeightsForInference(Precision precision)"))
            {
                using (w.Block("if (precision == Precision.Fp32)"))
                {
                    w.Line("PrepareWeightsForInference();");
                    w.Line("_forwardPrecision = Precision.Fp32;");
                    w.Line("return;");
                }

                using (w.Block("if (precision != Precision.Int8)"))
                {
                    w.Line("throw new ArgumentOutOfRangeException(nameof(precision), precision, \"Not a precision of this model.\");");
                }


                w.Line("float* p = Parameters.Pointer;");
                w.Line("_inferenceOnly = true;");
                w.Line("QuantizeWeights(p, releaseWeights: true, source: null);");
                w.Line("_forwardPrecision = Precision.Int8;");
            }

            w.Line();
            w.Summary(
                "Packs the int8 weights from an int8 weights file's quantised values; the fp32 copies of those weights are never read. With\n" +
                "wordEmbeddings the word embedding rows are read in place from the file, which keepAlive keeps mapped until Dispose.");
            using (w.Block("unsafe void IInt8Model.PrepareInt8WeightsFrom(IInt8WeightSource source, IntPtr wordEmbeddings, IDisposable? keepAlive)"))
            {
                w.Line("ArgumentNullException.ThrowIfNull(source);");
                w.Comment("The model owns keepAlive only once the weights are packed: on failure the caller still does, and nothing points into it.");
                w.Line("float* previous = _wordEmbeddingsInFile;");
                w.Line("_wordEmbeddingsInFile = (float*)wordEmbeddings;");
                using (w.Block("try"))
                {
                    w.Line("QuantizeWeights(Parameters.Pointer, releaseWeights: false, source);");
                }

                using (w.Block("catch"))
                {
                    w.Line("_wordEmbeddingsInFile = previous;");
                    w.Line("throw;");
                }

                using (w.Block("if (!ReferenceEquals(_int8File, keepAlive))"))
                {
                    w.Line("_int8File?.Dispose();");
                    w.Line("_int8File = keepAlive;");
                }

                w.Line("_inferenceOnly = true;");
                w.Line("_forwardPrecision = Precision.Int8;");
            }

            w.Line();
            w.Summary("The word embedding rows an int8 pass reads: in place in the int8 weights file it was loaded from, else in Parameters.");
            using (w.Block("internal unsafe float* Int8WordEmbeddings()"))
            {
                w.Line("float* inFile = _wordEmbeddingsInFile;");
                w.Line($"return inFile != null ? inFile : _parameters.Pointer + {CodeNames.ParameterOffsets}.{CodeNames.Parameter(plan.Parameters[0].Name)};");
            }

            w.Line();
            w.Summary("The int8 weights for an int8 forward pass; throws until they are prepared, and once the model is disposed (which unprepares them).");
            using (w.Block("internal unsafe float* Int8WeightsPointer()"))
            {
                using (w.Block("if (!_int8Prepared)"))
                {
                    w.Line("ObjectDisposedException.ThrowIf(_disposed, this);");
                    w.Line($"throw new InvalidOperationException({Literals.String($"{type}: call PrepareInt8Weights() or PrepareWeightsForInference(Precision.Int8), or load an int8 weights file, before an int8 forward pass.")});");
                }

                w.Comment("Quantised from Parameters, which may have changed since (an inference-only model's cannot).");
                using (w.Block("if (!_inferenceOnly && !LinearPacker.SameFirsts(_parameters.Pointer, PackedSources, _int8SourceFirsts))"))
                {
                    w.Line($"throw new InvalidOperationException({Literals.String($"{type}: its weights changed after PrepareInt8Weights() (loaded or initialised after it), and the int8 forward pass computes with the copy PrepareInt8Weights() quantised; call PrepareInt8Weights() again before an int8 forward pass.")});");
                }

                w.Line("return _int8Weights!.Pointer;");
            }

            w.Line();
            using (w.Block("private unsafe void QuantizeWeights(float* p, bool releaseWeights, IInt8WeightSource? source)"))
            {
                w.Line("_int8Prepared = false;");
                w.Line("LinearPacker.RecordFirsts(p, PackedSources, _int8SourceFirsts);");
                w.Line("_int8Weights ??= new AlignedBuffer(Int8WeightLength);");
                w.Line("float* q = _int8Weights.Pointer;");
                w.Line("float* words = Int8WordEmbeddings();");
                foreach (PackedLinear linear in plan.PackedLinears)
                {
                    bool releasable = WeightsEmitter.Releasable(plan, linear);
                    w.Comment($"{linear.Key}: [{linear.OutFeatures},{linear.InFeatures}] from {string.Join(" + ", linear.Parts.Select(part => part.Weight))}" +
                        (releasable ? string.Empty : " (quantised from the word embeddings, which the embedding lookup keeps reading; read in place from a file, their pages go back after)"));
                    string parts = string.Join(", ", linear.Parts.Select(part =>
                        $"((IntPtr)({(part.Weight == plan.Parameters[0].Name ? "words" : Tensor(part.Weight))}), (IntPtr)({Tensor(part.Bias)}), {part.Rows})"));
                    string names = string.Join(", ", linear.Parts.Select(part => Literals.String(part.Weight)));
                    w.Line($"Int8Kernels.Pack((byte*)(q + {CodeNames.QuantizedOffsets}.{linear.Key}), q + {CodeNames.QuantizedOffsets}.{linear.Key}Bias, {linear.InFeatures}, " +
                        $"stackalloc (IntPtr, IntPtr, int)[] {{ {parts} }}, new[] {{ {names} }}, {(releasable ? "source" : "null")}, Pool, {(releasable ? "releaseWeights" : "_wordEmbeddingsInFile != null")});");
                }

                w.Line("_int8Prepared = true;");
            }
        }
    }

    /// <summary>The compiled precisions as a C# array expression: <c>new[] { Precision.Fp32, Precision.Int8 }</c>.</summary>
    public static string PrecisionList(ModelPlan plan) =>
        "new[] { " + string.Join(", ", plan.Spec.Precisions.Present.Select(p => "Precision." + p.RuntimeName)) + " }";

    private static string Tensor(string name) => $"p + {CodeNames.ParameterOffsets}.{CodeNames.Parameter(name)}";
}
