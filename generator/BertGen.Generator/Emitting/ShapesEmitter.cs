using System.Linq;
using BertGen.Generator.Model;
using BertGen.Generator.Planning;

namespace BertGen.Generator.Emitting;

/// <summary>
/// Emits a model's shape part: the compiled shapes, the descriptor tools read without allocating the model, and
/// CreateForwardPass.
/// </summary>
internal static class ShapesEmitter
{
    public static void Emit(SourceWriter w, ModelPlan plan)
    {
        string type = plan.Spec.TypeName;
        using (w.Block(ModelEmitter.ClassHeader(plan)))
        {
            w.Summary("The fixed (batch, sequence) shapes compiled for, smallest sequence first.");
            w.Line("public static IReadOnlyList<(int Batch, int Sequence)> ShapeVariants { get; } = new (int, int)[]");
            using (w.Block(close: "};"))
            {
                foreach (VariantPlan v in plan.Variants)
                {
                    w.Line($"({v.Shape.Batch}, {v.Shape.Sequence}),");
                }
            }

            w.Line();
            w.Summary("What the generator decided for this model, readable without allocating it.");
            w.Line("public static ModelDescriptor Descriptor { get; } = new(");
            using (w.Indented())
            {
                w.Line($"{Literals.String(type)}, {Literals.String(plan.Spec.SpecFileName)},", continuation: true);
                w.Line("VocabSize, HiddenSize, LayerCount, HeadCount, IntermediateSize, Activation, MaxPositions, TypeVocabSize,");
                w.Line($"new string[] {{ {string.Join(", ", plan.Spec.Heads.Present.Select(head => Literals.String(head.SpecName)))} }}, Labels, SupportsTraining,", continuation: true);
                w.Line("ParameterCount, ParameterBufferLength, PackedWeightLength,");
                w.Line("new ShapeDescriptor[]");
                using (w.Block(close: "},"))
                {
                    foreach (VariantPlan v in plan.Variants)
                    {
                        string forward = ForwardEmitter.ClassName(v.Shape);
                        string training = plan.Training.Any(t => t.Shape.Equals(v.Shape))
                            ? $"{TrainingEmitter.ClassName(v.Shape)}.StepFlops, {TrainingEmitter.ClassName(v.Shape)}.ArenaLength"
                            : "0L, 0L";
                        // A pass runs one path, fixed by its model's pool: op by op it touches its whole arena; on the planned
                        // pool only its output buffers there (pages never written are not resident) and its threads' arenas.
                        string arena = v.PerThread is not { } split ? $"{forward}.ArenaLength"
                            : $"Math.Max({forward}.ArenaLength, {Literals.Long(v.Outputs.Sum(o => Alignment.Align(o.Length)))} + {forward}.ThreadArenasLength)";
                        string planned = v.PerThread is { } schedule ? $" {{ PlannedThreads = {forward}.PlannedThreads }}" : string.Empty;
                        w.Line($"new({v.Shape.Batch}, {v.Shape.Sequence}, {forward}.ForwardFlops, {arena}, {forward}.ForwardOps, {forward}.ArenaBuffers, {training}){planned},");
                    }
                }

                w.Line($"static pool => new {type}(pool))");
            }

            using (w.Block(close: "};"))
            {
                w.Line("LayerNormEpsilon = LayerNormEpsilon,");
                w.Line($"ProblemType = {Literals.String(ProblemTypes.Of(plan.Spec.Architecture.ProblemType).SpecName)},");
                w.Line($"ProblemTypeGiven = {Literals.Bool(plan.Spec.Architecture.ProblemTypeGiven)},");
                w.Line("MaxPredictionsPerSequence = MaxPredictionsPerSequence,");
                w.Line($"Objective = {(plan.Spec.Training ? "TrainingObjective." + plan.Training[0].Objective : "null")},");
                if (plan.Spec.HasInt8)
                {
                    w.Line($"Precisions = {Int8Emitter.PrecisionList(plan)},");
                    w.Line("Int8WeightBytes = Int8WeightLength * sizeof(float),");
                }

            }
            w.Line();
            w.Summary("The compiled forward pass of one of ShapeVariants, with its own activation arena.");
            string shapes = string.Join(", ", plan.Variants.Select(v => v.Shape.Batch + "×" + v.Shape.Sequence));
            string failure = $"$\"{type} has no compiled shape batch {{batch}} × sequence {{sequence}}; \" + \"compiled shapes: {shapes}.\"";
            if (!plan.Spec.HasInt8)
            {
                ModelEmitter.ShapeSwitch(
                    w, "public IForwardPass CreateForwardPass(int batch, int sequence)", plan.Variants.Select(v => v.Shape), ForwardEmitter.ClassName, failure);
                return;
            }

            w.Line("public IForwardPass CreateForwardPass(int batch, int sequence) => CreateForwardPass(batch, sequence, _forwardPrecision);");
            w.Line();
            w.Summary("The compiled forward pass of one of ShapeVariants in one of Precisions, with its own activation arena.");
            using (w.Block("public IForwardPass CreateForwardPass(int batch, int sequence, Precision precision)"))
            {
                using (w.Block("return precision switch", close: "};"))
                {
                    foreach (PrecisionInfo compiled in plan.Spec.Precisions.Present)
                    {
                        w.Line($"Precision.{compiled.RuntimeName} => Create{compiled.RuntimeName}ForwardPass(batch, sequence),");
                    }

                    w.Line("_ => throw new ArgumentOutOfRangeException(nameof(precision), precision, \"Not a precision of this model.\"),");
                }
            }

            foreach (PrecisionInfo compiled in plan.Spec.Precisions.Present)
            {
                w.Line();
                ModelEmitter.ShapeSwitch(
                    w, $"private IForwardPass Create{compiled.RuntimeName}ForwardPass(int batch, int sequence)", plan.Variants.Select(v => v.Shape),
                    shape => ForwardEmitter.ClassName(shape, compiled.Id), failure);
            }
        }
    }
}
