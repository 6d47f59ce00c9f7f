using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>Spec → plan: the parameter layout, the packed weights, then one forward (and training) plan per shape.</summary>
internal static class ModelPlanner
{
    public static ModelPlan Plan(ModelSpec spec)
    {
        ImmutableEquatableArray<ParameterSlot> parameters = ParameterLayout.Plan(spec);
        ParameterSlot lastSlot = parameters[parameters.Count - 1];
        long count = parameters.Aggregate(0L, (sum, p) => checked(sum + p.Length));
        long bufferLength = checked(lastSlot.Offset + Alignment.Align(lastSlot.Length));
        ImmutableEquatableArray<long> layerStarts = LayerStarts(spec, parameters);
        (ImmutableEquatableArray<PackedLinear> linears, long packedLength, long quantizedLength) = PackedWeightLayout.Plan(spec, parameters);
        var variants = spec.Shapes.Select(s => ForwardPlanner.Plan(spec, linears, s, Precision.Fp32)).ToEquatableArray();
        var int8Variants = spec.HasInt8
            ? spec.Shapes.Select(s => ForwardPlanner.Plan(spec, linears, s, Precision.Int8)).ToEquatableArray()
            : ImmutableEquatableArray<VariantPlan>.Empty;
        ImmutableEquatableArray<TrainingPlan> training = spec.Training
            ? spec.Shapes.Select(s => TrainingPlanner.Plan(spec, linears, layerStarts, s)).ToEquatableArray()
            : ImmutableEquatableArray<TrainingPlan>.Empty;
        return new ModelPlan(spec, parameters, count, bufferLength, layerStarts, linears, packedLength, variants, training, quantizedLength, int8Variants);
    }

    // Each layer's first tensor is its query weight; after the last layer, where its last tensor ends (aligned).
    private static ImmutableEquatableArray<long> LayerStarts(ModelSpec spec, ImmutableEquatableArray<ParameterSlot> parameters)
    {
        var names = new HuggingFaceNames(spec.Heads);
        int layers = spec.Architecture.NumHiddenLayers;
        ParameterSlot Slot(string name) => parameters.Find(p => p.Name == name, "No parameter " + name);
        ParameterSlot last = Slot(HuggingFaceNames.Bias(names.OutputLayerNorm(layers - 1)));
        return Enumerable.Range(0, layers)
            .Select(l => Slot(HuggingFaceNames.Weight(names.Query(l))).Offset)
            .Concat(new[] { last.Offset + Alignment.Align(last.Length) })
            .ToEquatableArray();
    }
}
