using BertGen.Generator.Model;

namespace BertGen.Generator.Parsing;

/// <summary>
/// What parsing one spec file gives: the spec when it is valid, the diagnostics when it is not, and where
/// the type name was declared (kept apart from the spec so a whitespace edit leaves the spec equal).
/// </summary>
internal sealed record SpecParseResult(ModelSpec? Spec, SpecLocation TypeNameLocation, ImmutableEquatableArray<DiagnosticInfo> Diagnostics);
