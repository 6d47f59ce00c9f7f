using System.ComponentModel;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// Told by a training step's backward as gradients become final, so communication can start before the backward
/// ends (data-parallel training reduces the late layers' gradients while the early layers' are computed). The
/// parameters are laid out embeddings, layers 0 … L−1, pooler, heads, and the backward visits them in reverse, so
/// what is final is always a suffix of the gradient buffer.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IGradientProgress
{
    /// <summary>
    /// Every gradient at a float offset ≥ <paramref name="offset"/> of the model's gradient buffer holds its final
    /// value for this run of the step. Called with decreasing offsets, the last time with 0.
    /// </summary>
    void CompletedFrom(long offset);
}
