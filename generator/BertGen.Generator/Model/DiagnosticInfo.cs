using System;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace BertGen.Generator.Model;

/// <summary>
/// A diagnostic as a value: the descriptor, where, and the message arguments already turned to strings.
/// Roslyn's <see cref="Diagnostic"/> is not value-equal, so the pipeline carries this and creates the real one
/// only when reporting.
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, SpecLocation Location, ImmutableEquatableArray<string> MessageArgs)
    : IEquatable<DiagnosticInfo>
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, SpecLocation location, params object[] args) =>
        new(descriptor, location, args.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty).ToEquatableArray());

    public Diagnostic ToDiagnostic() => Diagnostic.Create(Descriptor, Location.ToLocation(), MessageArgs.ToArray<object>());

    public bool Equals(DiagnosticInfo? other) =>
        other is not null && Descriptor.Id == other.Descriptor.Id && Location.Equals(other.Location) && MessageArgs.Equals(other.MessageArgs);

    public override int GetHashCode() => (Descriptor.Id, Location, MessageArgs).GetHashCode();
}
