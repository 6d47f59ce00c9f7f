using System.Linq;
using BertGen.Generator.Model;
using BertGen.Generator.Planning;

namespace BertGen.Generator.Emitting;

/// <summary>
/// Emits one training step per fixed shape: its constants and arena plan, then <c>Run</c>, which is the plan's
/// ops in order (<see cref="OpWriter"/>) — the forward with dropout, the loss, and the backward, each block
/// described by the forward line it differentiates. Gradients are added into the model's flat gradient buffer at
/// the parameters' own offsets, and the step's <c>IGradientProgress</c> is told as each layer's become final.
/// </summary>
internal static class TrainingEmitter
{
    /// <summary>The nested class of a shape's training step, e.g. <c>TrainingB8S128</c>.</summary>
    public static string ClassName(ShapeVariant shape) => "Training" + shape.Name;

    public static void Emit(SourceWriter w, ModelPlan plan, TrainingPlan train)
    {
        ModelSpec spec = plan.Spec;
        ShapeVariant shape = train.Shape;
        string name = ClassName(shape);
        using (w.Block($"public sealed partial class {spec.TypeName}"))
        {
            w.Summary(
                $"The compiled training step for batch {shape.Batch} × sequence {shape.Sequence} ({train.Objective}): forward with dropout, loss, backward.\n" +
                $"{Literals.Grouped(train.StepFlops)} matrix FLOPs per step; saved activations in one arena of {Literals.Grouped(train.ArenaLength)} floats.");
            ModelEmitter.GeneratedCodeAttribute(w);
            using (w.Block($"public sealed unsafe partial class {name} : ITrainingStep"))
            {
                ModelEmitter.ShapeConstants(w, shape, train.Attention);
                ModelEmitter.Const(w, "int", "MaxPredictionsPerSequence", Literals.Int(train.MaxPredictions));
                ModelEmitter.Const(w, "long", "StepFlops", Literals.Long(train.StepFlops));
                ModelEmitter.ArenaConstants(w, "Saved activations, backward temporaries and GEMM scratch, one after another.", train.ArenaLength, train.Buffers);
                w.Line();
                ModelEmitter.PassMembers(w, spec.TypeName, name, $"{spec.TypeName}'s training step {shape.Batch}×{shape.Sequence}");
                w.Line("public int MaxPredictions => MaxPredictionsPerSequence;");
                w.Line();
                EmitRun(w, train);
                w.Line();
                AttentionEmitter.Emit(w, train.Attention);
            }
        }
    }

    /// <summary>The model's training part: the gradient buffer, the objective, CreateTrainingStep.</summary>
    public static void EmitModelPart(SourceWriter w, ModelPlan plan)
    {
        using (w.Block(ModelEmitter.ClassHeader(plan) + " : ITrainableModel"))
        {
            w.Line("private AlignedBuffer? _gradients;");
            w.Line();
            w.Summary("Gradients with the parameters' layout (same offsets, same HF names); training steps add into it or replace it.");
            using (w.Block("public AlignedBuffer Gradients"))
            {
                using (w.Block("get"))
                {
                    w.Comment("Else a disposed model would hand out a fresh zeroed buffer as its gradients.");
                    w.Line("ObjectDisposedException.ThrowIf(_disposed, this);");
                    w.Line("return _gradients ??= new AlignedBuffer(ParameterBufferLength);");
                }
            }

            w.Line();
            w.Line($"public TrainingObjective Objective => TrainingObjective.{plan.Training[0].Objective};");
            w.Line();
            w.Summary("The compiled training step of one of ShapeVariants, with its own saved-activation arena.");
            string shapes = string.Join(", ", plan.Training.Select(t => t.Shape.Batch + "×" + t.Shape.Sequence));
            ModelEmitter.ShapeSwitch(
                w, "public ITrainingStep CreateTrainingStep(int batch, int sequence)", plan.Training.Select(t => t.Shape), ClassName,
                $"$\"{plan.Spec.TypeName} has no compiled training shape batch {{batch}} × sequence {{sequence}}; \" + \"compiled training shapes: {shapes}.\"");

            w.Line();
            w.Line("partial void DisposeTraining() => _gradients?.Dispose();");
        }
    }

    private static void EmitRun(SourceWriter w, TrainingPlan train)
    {
        w.Summary("Forward, loss and, in Train mode, backward; gradients are added into the model's Gradients, or replace\n"
            + "what it held (each tensor's first write stores) when replaceGradients is set. The backward tells progress as each\n"
            + "layer's gradients become final (heads first, embeddings last).");
        w.Line(ModelEmitter.OptimizeNow);
        using (w.Block("public TrainingLosses Run(TrainingBatch batch, StepMode mode, ulong dropoutSeed, float gradientScale = 1f, IGradientProgress? progress = null, bool replaceGradients = false)"))
        {
            w.Line("using OneCallAtATime.Call call = _calls.Enter();");
            w.Line($"TrainingBatchValidation.Check(batch, TrainingObjective.{train.Objective}, BatchSize, SequenceLength, MaxPredictionsPerSequence, VocabSize, TypeVocabSize, LabelCount, " +
                $"{(train.ClassLabels ? "true" : "false")});");
            w.Line("_model.EnsureWeightsPrepared();");
            w.Line("bool train = mode == StepMode.Train;");
            w.Line("float hiddenDropout = train ? HiddenDropout : 0f;");
            w.Line("float attentionDropout = train ? AttentionDropout : 0f;");
            w.Line("float* p = _model.Parameters.Pointer;");
            w.Line("float* w = _model._packedWeights.Pointer;");
            w.Line("float* g = _model.Gradients.Pointer;");
            w.Line("float* arena = _arena.Pointer;");
            w.Line("float* pack = arena + PackOffset;");
            w.Line("ComputePool pool = _model.Pool;");
            w.Line("TrainingLosses losses;");
            foreach (var type in train.Pinned.GroupBy(p => p.Type))
            {
                w.Line($"fixed ({type.Key}* {string.Join(", ", type.Select(p => $"{p.Name} = batch.{p.Property}"))})");
            }

            using (w.Block())
            {
                var ops = new OpWriter(w);
                foreach (PlannedOp op in train.Ops)
                {
                    ops.Write(op);
                }
            }

            w.Line("return losses;");
        }
    }
}
