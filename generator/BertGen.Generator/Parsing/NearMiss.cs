using System;
using System.Collections.Generic;
using System.Linq;

namespace BertGen.Generator.Parsing;

/// <summary>
/// Whether an unknown field name is most likely a known one misspelt: case-insensitively within one edit (names
/// under 8 characters) or two (longer names), counting a swap of neighbours as one edit; or the known name with
/// a suffix (<c>layer_norm_epsilon</c> for <c>layer_norm_eps</c>, <c>hidden_activation</c> for <c>hidden_act</c>);
/// or the name another model family's config gives the same field (GPT-2's <c>n_layer</c>, T5's
/// <c>num_layers</c>). The thresholds keep every field of HuggingFace's <c>BertConfig</c> and
/// <c>PretrainedConfig</c> clear of every field BertGen reads (a test runs them all).
/// </summary>
internal static class NearMiss
{
    // Other families' names for fields BertGen reads (GPT-2, T5, BART, ModernBERT configs).
    private static readonly Dictionary<string, string> OtherFamilyNames = new(StringComparer.Ordinal)
    {
        ["n_layer"] = "num_hidden_layers",
        ["num_layers"] = "num_hidden_layers",
        ["n_head"] = "num_attention_heads",
        ["num_heads"] = "num_attention_heads",
        ["n_embd"] = "hidden_size",
        ["d_model"] = "hidden_size",
        ["n_inner"] = "intermediate_size",
        ["d_ff"] = "intermediate_size",
        ["n_positions"] = "max_position_embeddings",
        ["activation_function"] = "hidden_act",
        ["dropout_rate"] = "hidden_dropout_prob",
    };

    /// <summary>The known name <paramref name="unknown"/> most likely stands for, or null.</summary>
    public static string? Find(string unknown, IEnumerable<string> known)
    {
        if (OtherFamilyNames.TryGetValue(unknown, out string? meant))
        {
            return known.Contains(meant) ? meant : null; // another family's name is never also a misspelling
        }

        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string name in known)
        {
            string a = unknown.ToLowerInvariant(), b = name.ToLowerInvariant();
            int distance = a.Length > b.Length && b.Length >= 8 && a.StartsWith(b, StringComparison.Ordinal) && a.Length - b.Length <= 8
                ? 1
                : Distance(a, b);
            int allowed = Math.Min(a.Length, b.Length) < 8 ? 1 : 2;
            if (distance <= allowed && distance < bestDistance)
            {
                best = name;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    internal static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2)
        {
            return Math.Abs(a.Length - b.Length); // more than any threshold; skips the table for long names
        }

        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
