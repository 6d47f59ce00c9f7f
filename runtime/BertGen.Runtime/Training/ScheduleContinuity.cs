using System.Globalization;
using BertGen.Runtime.Checkpoints;
using BertGen.Runtime.Optimization;

namespace BertGen.Runtime.Training;

/// <summary>
/// Which schedule a resumed run may use: the one its checkpoint recorded, or the same with a later end (a run
/// extended on purpose, whose learning rate from the resumed step on follows the longer schedule). Anything else —
/// another peak, warmup or decay, or an earlier end — would change the learning rate mid-run without anyone
/// having asked for it, so it is refused.
/// </summary>
internal static class ScheduleContinuity
{
    /// <param name="path">The checkpoint, for the message.</param>
    /// <param name="saved">The checkpoint's schedule; null for checkpoints written before schedules were recorded.</param>
    /// <param name="resumed">The resuming run's schedule.</param>
    public static void Require(string path, LinearWarmupDecaySchedule? saved, LinearWarmupDecaySchedule resumed)
    {
        if (saved is null)
        {
            return;
        }

        bool sameShape = saved.BaseLearningRate == resumed.BaseLearningRate && saved.WarmupSteps == resumed.WarmupSteps && saved.Decay == resumed.Decay;
        if (!sameShape || resumed.TotalSteps < saved.TotalSteps)
        {
            throw new CheckpointException(
                $"checkpoint '{path}' was written by a run with {Describe(saved)}, this run's schedule is {Describe(resumed)}: a resumed run keeps its schedule, or extends it to a later end");
        }
    }

    private static string Describe(LinearWarmupDecaySchedule s) => string.Create(
        CultureInfo.InvariantCulture, $"peak learning rate {s.BaseLearningRate:G4}, {s.WarmupSteps} warmup steps and {s.Decay} decay to 0 at step {s.TotalSteps}");
}
