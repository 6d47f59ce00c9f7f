using System;
using BertGen.Runtime.Weights;

namespace BertGen.Cli;

/// <summary>
/// Names the file in a weights loader's error. The readers name it for damage they find on opening (a truncated file, a
/// header that lies), but a tensor's problem found while loading (another model's shape, a NaN, a missing scale) names
/// only the tensor; with a model, its checkpoints and their int8 copies about, the line must say which file it is.
/// </summary>
internal static class WeightsFileErrors
{
    /// <summary><paramref name="error"/> itself when its message quotes <paramref name="path"/>, else prefixed with <c>{what} 'path': </c>.</summary>
    /// <param name="what">What the file is to the user: <c>weights file</c>, <c>checkpoint</c>.</param>
    public static WeightFileException Named(WeightFileException error, string what, string path) =>
        error.Message.Contains($"'{path}'", StringComparison.Ordinal) ? error : new($"{what} '{path}': {error.Message}", error);
}
