using System.Collections.Generic;
using System.Linq;

namespace BertGen.Generator.Model;

/// <summary>Shared wording of the closed vocabularies' diagnostics.</summary>
internal static class Vocabulary
{
    /// <summary><c>"a", "b" and "c"</c> (or with another <paramref name="conjunction"/>).</summary>
    public static string Quoted(IEnumerable<string> names, string conjunction = "and")
    {
        string[] quoted = names.Select(n => "\"" + n + "\"").ToArray();
        return quoted.Length == 1
            ? quoted[0]
            : string.Join(", ", quoted.Take(quoted.Length - 1)) + " " + conjunction + " " + quoted[quoted.Length - 1];
    }
}
