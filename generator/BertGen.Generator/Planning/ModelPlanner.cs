using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Planning;

/// <summary>Spec → plan: the parameter layout, then one forward plan per shape variant.</summary>
internal static class ModelPlanner
{
    public static ModelPlan Plan(ModelSpec spec)
    {
        ImmutableEquatableArray<ParameterSlot> parameters = ParameterLayout.Plan(spec);
        ParameterSlot lastSlot = parameters[parameters.Count - 1];
        long count = parameters.Sum(p => p.Length);
        long bufferLength = lastSlot.Offset + ((lastSlot.Length + ParameterLayout.AlignmentFloats - 1) / ParameterLayout.AlignmentFloats * ParameterLayout.AlignmentFloats);
        (ImmutableEquatableArray<PackedLinear> linears, long packedLength) = PackedWeightLayout.Plan(spec, parameters);
        var variants = spec.Shapes.Select(s => ForwardPlanner.Plan(spec, s)).ToEquatableArray();
        ImmutableEquatableArray<TrainingPlan> training = spec.Training
            ? spec.Shapes.Select(s => TrainingPlanner.Plan(spec, s)).ToEquatableArray()
            : ImmutableEquatableArray<TrainingPlan>.Empty;
        return new ModelPlan(spec, parameters, count, bufferLength, linears, packedLength, variants, training);
    }
}
