using System.Collections.Generic;
using System.IO;
using BertGen.Runtime.Checkpoints;

namespace BertGen.Cli.Training;

/// <summary>The checkpoint a <c>--resume</c> continues from: its folder and step, and a line to log about the choice.</summary>
internal sealed record ResumePoint(string Path, long Step, string? Note);

/// <summary>
/// Which checkpoint <c>--resume</c> continues from: the newest, once it is proven whole (state checksum, every file's
/// SHA-256). When the newest is damaged the run stops and names the newest intact one before it; <c>--resume-older</c>
/// continues from that one and deletes the damaged ones after it.
/// </summary>
internal static class ResumeChoice
{
    /// <summary>
    /// The checkpoint to continue from, or null when the folder holds none, deleting the damaged ones after it when
    /// <paramref name="allowOlder"/> chose an older one.
    /// </summary>
    public static ResumePoint? Choose(string directory, bool allowOlder, long steps)
    {
        ResumePoint? point = Find(directory, allowOlder, deleteDamaged: true);
        if (point is not null)
        {
            RequireWithin(point.Step, steps);
        }

        return point;
    }

    /// <summary>The usage error of a run asked to stop before the step its checkpoint is at.</summary>
    public static void RequireWithin(long checkpointStep, long steps)
    {
        if (checkpointStep > steps)
        {
            throw new CliUsageException($"the checkpoint to resume is at step {checkpointStep}, past --steps {steps}: give --steps {checkpointStep} or more");
        }
    }

    /// <summary>The checkpoint <see cref="Choose"/> would continue from, without changing the folder.</summary>
    public static ResumePoint? Find(string directory, bool allowOlder) => Find(directory, allowOlder, deleteDamaged: false);

    private static ResumePoint? Find(string directory, bool allowOlder, bool deleteDamaged)
    {
        IReadOnlyList<(long Step, string Path)> all = new CheckpointStore(directory, keepLast: 1).List();
        if (all.Count == 0)
        {
            return null;
        }

        (long newestStep, string newest) = all[^1];
        string? newestDamage = CheckpointIntegrity.FindDamage(newest);
        ResumePoint? point = null;
        if (newestDamage is null)
        {
            point = new ResumePoint(newest, newestStep, null);
        }
        else
        {
            for (int i = all.Count - 2; i >= 0 && point is null; i--)
            {
                if (CheckpointIntegrity.FindDamage(all[i].Path) is null)
                {
                    if (!allowOlder)
                    {
                        throw new CliFailureException(
                            $"the newest checkpoint (step {newestStep}) is damaged: {newestDamage}; the older checkpoint '{ShownPath.Of(all[i].Path)}' (step {all[i].Step}) is intact: add --resume-older to continue from it");
                    }

                    // The damaged ones after it are the branch this run abandons: delete them, as the store's pruning
                    // deletes a branch's later checkpoints, or one would outlive this run's next save and be resumed.
                    for (int j = i + 1; j < all.Count && deleteDamaged; j++)
                    {
                        Directory.Delete(all[j].Path, recursive: true);
                    }

                    point = new ResumePoint(all[i].Path, all[i].Step,
                        $"the newest checkpoint (step {newestStep}) is damaged ({newestDamage}); deleted {all.Count - 1 - i} damaged checkpoint(s) after step {all[i].Step}; resuming from step {all[i].Step}");
                }
            }

            if (point is null)
            {
                throw new CliFailureException($"no checkpoint in '{ShownPath.Of(directory)}' is intact; the newest (step {newestStep}): {newestDamage}");
            }
        }

        return point;
    }
}
