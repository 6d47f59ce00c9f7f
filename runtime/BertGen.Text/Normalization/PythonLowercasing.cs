using System;
using System.Collections.Generic;
using System.Text;

namespace BertGen.Text.Normalization;

/// <summary>
/// Lowercasing as Python's <c>str.lower()</c>, which BERT's tokenizer calls on each whitespace word. .NET's
/// invariant lowercasing agrees except in two places that matter for BERT ids: U+0130 (İ) becomes
/// "i" + U+0307 in Python (then the accent is stripped, giving "i") but stays İ in .NET, and a capital sigma
/// ending a word becomes final sigma ς in Python.
/// </summary>
internal static class PythonLowercasing
{
    public static string ToLower(string word) => ToLower(word, sources: null);

    /// <summary>
    /// <see cref="ToLower(string)"/>, adding to <paramref name="sources"/> (when given) the index in <paramref name="word"/>
    /// of the character each output character came from (İ gives two).
    /// </summary>
    public static string ToLower(string word, List<int>? sources)
    {
        var output = new StringBuilder(word.Length);
        Span<char> units = stackalloc char[2];
        int index = 0;
        Rune previous = default;
        bool hasPrevious = false;
        while (index < word.Length)
        {
            Rune.DecodeFromUtf16(word.AsSpan(index), out Rune rune, out int consumed);
            int start = index;
            int before = output.Length;
            index += consumed;
            if (rune.Value == 0x0130)
            {
                output.Append('i').Append('\u0307');
            }
            else if (rune.Value == 0x03A3)
            {
                // Unicode's Final_Sigma condition, simplified to letters: a cased letter before, none after.
                bool letterBefore = hasPrevious && Rune.IsLetter(previous);
                bool letterAfter = index < word.Length
                    && Rune.DecodeFromUtf16(word.AsSpan(index), out Rune next, out _) == System.Buffers.OperationStatus.Done
                    && Rune.IsLetter(next);
                output.Append(letterBefore && !letterAfter ? 'ς' : 'σ');
            }
            else
            {
                output.Append(units[..Rune.ToLowerInvariant(rune).EncodeToUtf16(units)]);
            }

            for (int k = before; sources is not null && k < output.Length; k++)
            {
                sources.Add(start);
            }

            previous = rune;
            hasPrevious = true;
        }

        return output.ToString();
    }
}
