using System;
using System.Collections.Generic;
using BertGen.Runtime;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Memory;
using BertGen.Runtime.Threading;

namespace BertGen.Fuzzing;

/// <summary>
/// A model as the checkpoint store sees one (a name, a parameter table, a parameter buffer) over
/// <see cref="FuzzWeights.Table"/>, so checkpoint damage is fuzzed on files of a few kilobytes instead of a real
/// model's megabytes. It never runs: the store only reads and writes parameters.
/// </summary>
internal sealed class FuzzCheckpointModel : IBertModel
{
    public string Name => "FuzzCheckpointModel";

    public int VocabSize => FuzzWeights.Vocab;

    public int HiddenSize => FuzzWeights.Hidden;

    public int TypeVocabSize => 2;

    public int MaxPositions => 16;

    public int PadTokenId => 0;

    public IReadOnlyList<ParameterInfo> ParameterTable => FuzzWeights.Table;

    public AlignedBuffer Parameters { get; } = new(FuzzWeights.BufferLength);

    public ComputePool Pool => throw new NotSupportedException("the fuzz checkpoint model never computes");

    public IReadOnlyList<(int Batch, int Sequence)> ShapeVariants => [];

    public void InitializeParameters(ulong seed) => throw new NotSupportedException("the fuzz checkpoint model is filled by its test");

    public void PrepareWeights()
    {
    }

    public IForwardPass CreateForwardPass(int batch, int sequence) => throw new NotSupportedException("the fuzz checkpoint model never computes");

    public void Dispose() => Parameters.Dispose();
}
