namespace BertGen.Runtime.Checkpoints;

/// <summary>
/// The sense a <see cref="TrainerState"/> must make before a run continues from it. Its checksum proves the file is
/// the one written; these catch a state that is whole but could not have come from a run: a step that is not the
/// folder's (resuming "step 5" from checkpoint 4 skips a step), an optimiser step count that restarts AdamW's bias
/// correction, a learning rate that is not a number.
/// </summary>
internal static class TrainerStateChecks
{
    /// <summary>Throws <see cref="CheckpointException"/> naming the first value of <paramref name="state"/> that makes no sense.</summary>
    public static void Require(string folder, TrainerState state)
    {
        string where = $"checkpoint '{folder}'";
        if (state.ModelName.Length == 0 || state.ParameterCount < 1)
        {
            throw new CheckpointException($"{where} names no model or has {state.ParameterCount} parameters in its {CheckpointStore.StateFile}");
        }

        if (state.Step < 0 || state.Epoch < 0)
        {
            throw new CheckpointException($"{where} has step {state.Step} and epoch {state.Epoch} in its {CheckpointStore.StateFile}; neither can be negative");
        }

        if (CheckpointIntegrity.StepOfName(folder) is long named && named != state.Step)
        {
            throw new CheckpointException($"{where} is named for step {named} but its {CheckpointStore.StateFile} says step {state.Step}");
        }

        // The trainer takes one optimiser step per step, so the two counts are equal in every checkpoint it writes;
        // a smaller count would restart AdamW's bias correction mid-run.
        if (state.OptimizerStepCount != state.Step)
        {
            throw new CheckpointException($"{where} has {state.OptimizerStepCount} optimiser steps for {state.Step} training steps in its {CheckpointStore.StateFile}; they must be equal");
        }

        if (state.WorldSize < 1 || state.AccumulationSteps < 1 || state.MicroBatchSize < 0 || state.SequenceLength < 0)
        {
            throw new CheckpointException($"{where} has {state.WorldSize} process(es) × {state.AccumulationSteps} micro-batch(es) of {state.MicroBatchSize} sequences in its {CheckpointStore.StateFile}; there is at least one of each");
        }

        if (!double.IsFinite(state.LearningRate) || state.LearningRate < 0)
        {
            throw new CheckpointException($"{where} has learning rate {state.LearningRate} in its {CheckpointStore.StateFile}; it must be a finite number, 0 or more");
        }
    }
}
