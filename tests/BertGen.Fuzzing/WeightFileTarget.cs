using System;
using System.Collections.Generic;
using System.IO;

namespace BertGen.Fuzzing;

/// <summary>
/// What the weight-file targets share: a scratch folder, the damaged file written there for each case and loaded into
/// a <see cref="FuzzWeights"/> buffer, whose digest is the answer; the undamaged answer is the digest of the values the
/// file was written from.
/// </summary>
public abstract class WeightFileTarget : IFuzzTarget, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bertgen-fuzz-" + Guid.NewGuid().ToString("N"));
    private readonly string _fileName;

    protected WeightFileTarget(string family, string fileName, ulong weightsSeed)
    {
        Family = family;
        _fileName = fileName;
        Directory.CreateDirectory(_folder);
        Values = FuzzWeights.Values(weightsSeed);
        Answer = Digest.Of(Values);
    }

    public string Family { get; }

    /// <summary>The undamaged weights.</summary>
    protected float[] Values { get; }

    /// <summary>The digest of <see cref="Values"/>: the answer an accepted file must give.</summary>
    protected string Answer { get; }

    public abstract IEnumerable<FuzzCase> Cases(int count, ulong seed);

    public FuzzOutcome Run(FuzzCase fuzzCase)
    {
        string path = Path.Combine(_folder, _fileName);
        File.WriteAllBytes(path, fuzzCase.Bytes);
        var buffer = new float[FuzzWeights.BufferLength];
        try
        {
            Load(path, buffer);
            return FuzzOutcome.Accepted(Digest.Of(buffer));
        }
        catch (Exception e)
        {
            return FuzzOutcome.Rejected(e);
        }
    }

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Loads the file at <paramref name="path"/> into <paramref name="buffer"/> (the code under test).</summary>
    protected abstract void Load(string path, float[] buffer);

    /// <summary>Damage that is refused, or harmless.</summary>
    protected (string, byte[], FuzzExpectation) Damage((string Mutation, byte[] Bytes) damaged) =>
        (damaged.Mutation, damaged.Bytes, FuzzExpectation.RejectOrSame(Answer));

    /// <summary>Damage that can only be refused.</summary>
    protected static (string, byte[], FuzzExpectation) Refused((string Mutation, byte[] Bytes) damaged) =>
        (damaged.Mutation, damaged.Bytes, FuzzExpectation.Reject);
}
