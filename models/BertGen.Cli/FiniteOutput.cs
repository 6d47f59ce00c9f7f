using System;

namespace BertGen.Cli;

/// <summary>
/// The last guard before an answer is printed: finite weights can still overflow float32 inside the model (a weight of
/// 1e38 squared), and a NaN answer printed with exit 0 is the silent wrong answer every reader check exists to prevent.
/// JSON cannot even hold one ("NaN cannot be written as valid JSON" was an internal error).
/// </summary>
internal static class FiniteOutput
{
    /// <summary>Throws <see cref="CliFailureException"/> naming the text (<see cref="NumberedTexts.Name"/>) when <paramref name="values"/> holds a NaN or an infinity.</summary>
    public static void Require(ReadOnlySpan<float> values, string text)
    {
        foreach (float value in values)
        {
            if (!float.IsFinite(value))
            {
                throw Failure(text);
            }
        }
    }

    /// <summary>As <see cref="Require(ReadOnlySpan{float}, string)"/>, for probabilities computed in double.</summary>
    public static void Require(ReadOnlySpan<double> values, string text)
    {
        foreach (double value in values)
        {
            if (!double.IsFinite(value))
            {
                throw Failure(text);
            }
        }
    }

    private static CliFailureException Failure(string text) => new(
        $"the model computes a value that is not a finite number (NaN or infinity) for {text}: its weights overflow float32 arithmetic; check the weights file");
}
