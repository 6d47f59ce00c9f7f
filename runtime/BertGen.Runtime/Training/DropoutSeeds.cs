namespace BertGen.Runtime.Training;

/// <summary>
/// Dropout seeds as a pure function of (run seed, optimiser step, micro-batch), so no generator state needs
/// checkpointing and a resumed run draws exactly the masks the uninterrupted run would. Each coordinate goes through
/// SplitMix64's finaliser (a bijection with full avalanche), so neighbouring steps get unrelated seeds.
/// </summary>
internal static class DropoutSeeds
{
    public static ulong For(ulong runSeed, long step, int microBatch)
    {
        ulong h = Mix(runSeed ^ 0x6A09E667F3BCC909UL);
        h = Mix(h ^ (ulong)step);
        return Mix(h ^ (uint)microBatch ^ 0xBB67AE8584CAA73BUL);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
