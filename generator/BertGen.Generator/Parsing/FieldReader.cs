using System.Collections.Generic;
using System.Linq;

namespace BertGen.Generator.Parsing;

/// <summary>
/// The fields of one JSON object as the parser reads them: it remembers every name asked for (with the default
/// an absent one takes, or none when it is required), so that once parsing is done the fields nobody asked for
/// can be held against the known ones that are absent — a leftover a letter or two from one of those is a
/// misspelling whose default would otherwise be used silently. The list of known fields is therefore the
/// parser's own reads, not a second list to keep in step.
/// </summary>
internal sealed class FieldReader
{
    private readonly Dictionary<string, string?> _asked = new();
    private readonly List<string> _order = new();

    public FieldReader(JsonObject json, string path)
    {
        Json = json;
        Path = path;
    }

    public JsonObject Json { get; }

    /// <summary>The object's place in the spec, e.g. <c>bertgen.</c> or <c>bertgen.shapes[0].</c> (empty at the root).</summary>
    public string Path { get; }

    /// <summary>The names asked for, in the order first asked.</summary>
    public IReadOnlyList<string> Known => _order;

    /// <summary>Names asked for that the object does not have and that have no default, in order.</summary>
    public IEnumerable<string> MissingRequired => _order.Where(n => _asked[n] is null && Json.Find(n) is null);

    /// <summary>The property <paramref name="name"/>, remembering that it is known and what an absent one means.</summary>
    /// <param name="name">The JSON key.</param>
    /// <param name="defaultText">What an absent field takes, for messages; null when the field is required.</param>
    public JsonProperty? Find(string name, string? defaultText)
    {
        if (!_asked.ContainsKey(name))
        {
            _order.Add(name);
            _asked[name] = defaultText;
        }

        return Json.Find(name);
    }

    /// <summary>What an absent <paramref name="name"/> takes, as a message shows it.</summary>
    public string? DefaultOf(string name) => _asked.TryGetValue(name, out string? d) ? d : null;

    /// <summary>Properties never asked for.</summary>
    public IEnumerable<JsonProperty> Unknown => Json.Properties.Where(p => !_asked.ContainsKey(p.Name));

    /// <summary>The absent known field <paramref name="property"/> most likely misspells, or null.</summary>
    public string? NearMissOf(JsonProperty property) =>
        NearMiss.Find(property.Name, _order.Where(n => Json.Find(n) is null));
}
