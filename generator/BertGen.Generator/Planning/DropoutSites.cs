namespace BertGen.Generator.Planning;

/// <summary>
/// Every place dropout acts in a training step has its own site number, mixed into the step's seed: the backward
/// regenerates a site's mask from it, and a resumed run replays the same masks. The numbers are part of the
/// checkpoint contract (a run resumed by another build must drop the same elements): never renumber.
/// </summary>
internal static class DropoutSites
{
    public const int Embeddings = 1;
    public const int SequenceClassifier = 2;
    public const int TokenClassifier = 3;

    public static int Attention(int layer) => 16 + (4 * layer);

    public static int AttentionOutput(int layer) => 17 + (4 * layer);

    public static int FeedForward(int layer) => 18 + (4 * layer);
}
