using System;
using System.Collections.Generic;
using BertGen.Generator.Emitting;
using BertGen.Generator.Model;
using BertGen.Generator.Planning;
using Xunit;

namespace BertGen.Generator.Tests;

/// <summary>
/// The closed vocabularies are tables, and a value without a row is a bug that throws inside the generator (where
/// it becomes BG0018), never a fallback to another member that would emit a wrong model silently.
/// </summary>
public sealed class VocabularyTests
{
    [Fact]
    public void EveryMemberHasExactlyOneRow()
    {
        AssertOneRowEach(Enum.GetValues<Activation>(), v => Activations.Of(v).Id, Activations.All.Length);
        AssertOneRowEach(Enum.GetValues<HeadKind>(), v => Heads.Of(v).Kind, Heads.All.Length);
        AssertOneRowEach(Enum.GetValues<ProblemType>(), v => ProblemTypes.Of(v).Id, ProblemTypes.All.Length);
    }

    [Fact]
    public void AValueWithoutARowThrows()
    {
        Assert.Throws<InvalidOperationException>(() => Activations.Of((Activation)99));
        Assert.Throws<InvalidOperationException>(() => Heads.Of((HeadKind)99));
        Assert.Throws<InvalidOperationException>(() => ProblemTypes.Of((ProblemType)99));
        Assert.Throws<InvalidOperationException>(() => new OpWriter(new SourceWriter()).Write(new UnknownOp()));
    }

    [Fact]
    public void EverySpecNameParsesToItsRow()
    {
        foreach (ActivationInfo a in Activations.All)
        {
            Assert.All(a.SpecNames, name => Assert.Same(a, Activations.FromSpecName(name)));
        }

        Assert.All(Heads.All, h => Assert.Same(h, Heads.FromSpecName(h.SpecName)));
        Assert.All(ProblemTypes.All, p => Assert.Same(p, ProblemTypes.FromSpecName(p.SpecName)));
        Assert.Null(Activations.FromSpecName("mish"));
    }

    private static void AssertOneRowEach<T>(IEnumerable<T> members, Func<T, T> rowOf, int rows)
        where T : struct, Enum
    {
        int count = 0;
        foreach (T member in members)
        {
            Assert.Equal(member, rowOf(member));
            count++;
        }

        Assert.Equal(count, rows);
    }

    private sealed record UnknownOp() : PlannedOp("an op no emitter knows")
    {
        public override IEnumerable<Operand?> Operands => Array.Empty<Operand?>();
    }
}
