using System.Linq;
using BertGen.Generator.Planning;

namespace BertGen.Generator.Emitting;

/// <summary>
/// Emits the packed-weight part of a model: where each linear layer's panels and bias sit in PackedWeights, and
/// PrepareWeights / PrepareWeightsForInference, which pack every layer from the HF-layout parameters.
/// </summary>
internal static class WeightsEmitter
{
    public static void Emit(SourceWriter w, ModelPlan plan)
    {
        using (w.Block(ModelEmitter.ClassHeader(plan)))
        {
            w.Comment($"Packed weights: each linear layer's [out,in] weight in GEMM panels of {RuntimeContract.PanelWidth} columns, its bias after it.");
            ModelEmitter.Const(w, "long", "PackedWeightLength", Literals.Long(plan.PackedWeightLength));
            w.Line();
            w.Summary("Where each packed linear layer's panels, and its bias right after them, start in PackedWeights, in floats.");
            OffsetClass(w, CodeNames.PackedOffsets, plan, linear => (linear.PackedOffset, linear.BiasOffset));

            w.Line();
            string[] sources = plan.PackedLinears.SelectMany(linear => linear.Parts.SelectMany(part => new[] { part.Weight, part.Bias })).Distinct().ToArray();
            w.Summary(
                "Every tensor PackWeights copies, and the first value of each as it copied them: a forward pass finds weights loaded or\n" +
                "initialised after PrepareWeights, which it would otherwise compute with silently from the old packed copy, by one of them having changed.");
            w.Line($"private static readonly long[] PackedSources = {{ {string.Join(", ", sources.Select(name => $"{CodeNames.ParameterOffsets}.{CodeNames.Parameter(name)}"))} }};");
            w.Line($"private readonly float[] _packedSourceFirsts = new float[{Literals.Int(sources.Length)}];");
            w.Line();
            w.Summary("Packs every linear layer from Parameters into PackedWeights (Q, K and V fused). Call after changing parameters.");
            w.Line("public unsafe void PrepareWeights() => PackWeights(Parameters.Pointer, releaseWeights: false);");
            w.Line();
            w.Summary(
                "PrepareWeights for a model that will only run forward passes: each linear weight's HF-layout copy in Parameters is handed\n" +
                "back to the OS as soon as it is packed, so the process holds those weights once. Afterwards Parameters, and everything\n" +
                "that needs it (InitializeParameters, Parameter, loading, saving, training, PrepareWeights), throws.");
            using (w.Block("public unsafe void PrepareWeightsForInference()"))
            {
                w.Line("float* p = Parameters.Pointer;");
                w.Line("_inferenceOnly = true;");
                w.Line("PackWeights(p, releaseWeights: true);");
            }

            w.Line();
            w.Summary("Whether the parameters were all 0 when last packed: nothing loaded or initialised, a model whose every answer is 0.");
            w.Line("private bool _weightsAllZero;");
            w.Line();
            using (w.Block("private unsafe void PackWeights(float* p, bool releaseWeights)"))
            {
                w.Line("float* w = PackedWeights.Pointer;");
                w.Line("_weightsAllZero = !_parameters.AsSpan().ContainsAnyExcept(0f);");
                w.Line("LinearPacker.RecordFirsts(p, PackedSources, _packedSourceFirsts);");
                foreach (PackedLinear linear in plan.PackedLinears)
                {
                    bool releasable = Releasable(plan, linear);
                    w.Comment($"{linear.Key}: [{linear.OutFeatures},{linear.InFeatures}] from {string.Join(" + ", linear.Parts.Select(part => part.Weight))}" +
                        (releasable ? string.Empty : " (kept: the embedding lookup reads it)"));
                    string parts = string.Join(", ", linear.Parts.Select(part =>
                        $"((IntPtr)({Tensor(part.Weight)}), (IntPtr)({Tensor(part.Bias)}), {part.Rows})"));
                    w.Line($"LinearPacker.Pack(w + {CodeNames.PackedOffsets}.{linear.Key}, w + {CodeNames.PackedOffsets}.{linear.Key}Bias, {linear.InFeatures}, " +
                        $"stackalloc (IntPtr, IntPtr, int)[] {{ {parts} }}, Pool, {(releasable ? "releaseWeights" : "releaseWeights: false")});");
                }

                w.Line("_weightsPrepared = true;");
            }
        }
    }

    /// <summary>
    /// Whether a layer's HF weights are linear weights proper, which inference can release (and an int8 weights file stores
    /// quantised): a tied decoder's weight is the word embedding table, which the embedding lookup keeps reading.
    /// </summary>
    internal static bool Releasable(ModelPlan plan, PackedLinear linear) => linear.Parts.All(part => plan.Parameter(part.Weight).Role == ParameterRole.Weight);

    /// <summary>A nested class of each packed layer's offset and its bias's offset, one pair of constants per layer.</summary>
    internal static void OffsetClass(SourceWriter w, string className, ModelPlan plan, System.Func<PackedLinear, (long Layer, long Bias)> offsets)
    {
        using (w.Block($"private static class {className}"))
        {
            foreach (PackedLinear linear in plan.PackedLinears)
            {
                (long layer, long bias) = offsets(linear);
                ModelEmitter.Const(w, "long", linear.Key, Literals.Long(layer));
                ModelEmitter.Const(w, "long", linear.Key + "Bias", Literals.Long(bias));
            }
        }
    }

    private static string Tensor(string name) => $"p + {CodeNames.ParameterOffsets}.{CodeNames.Parameter(name)}";
}
