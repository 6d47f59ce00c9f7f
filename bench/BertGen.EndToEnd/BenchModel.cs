using System;
using BertGen.Bench.Models;
using BertGen.Models;
using BertGen.Runtime.Inference;
using BertGen.Runtime.Pretrained;
using BertGen.Runtime.Weights;

namespace BertGen.Bench;

/// <summary>
/// A generated model the forward benches run, with where its weights come from, so every mode (comparisons, int8,
/// memory, profile, the int8 file) names and loads it the same way.
/// </summary>
/// <param name="Name">What rows call it.</param>
/// <param name="Descriptor">The generated model.</param>
/// <param name="Weights">Where the weights come from, for the report.</param>
/// <param name="LoadWeights">Fills the model's parameter buffer (before any preparation).</param>
/// <param name="Int8AtB1S128">The int8 sizes the generated code states for batch 1 × sequence 128 (memory modes).</param>
internal sealed record BenchModel(string Name, ModelDescriptor Descriptor, string Weights, Action<IBertModel> LoadWeights, MemoryFootprint.Int8Plan Int8AtB1S128)
{
    /// <summary>all-MiniLM-L6-v2 with the package's real weights.</summary>
    public static BenchModel MiniLm { get; } = new("all-MiniLM-L6-v2", MiniLmL6.Descriptor, "real (package)",
        model => ParameterLoader.LoadPretrained(PretrainedModel.MiniLmL6V2, model.ParameterTable, model.Parameters.AsSpan()),
        new(MiniLmL6.Int8WeightLength, MiniLmL6.B1S128Int8.ArenaLength));

    /// <summary>BERT-base's encoder and pooler (the bench's own spec) with seeded HF-init weights: no package ships it.</summary>
    public static BenchModel BertBase { get; } = new("BERT-base", BertBaseEncoder.Descriptor, "random (seed 20240601)",
        model => ((BertBaseEncoder)model).InitializeParameters(20240601),
        new(BertBaseEncoder.Int8WeightLength, BertBaseEncoder.B1S128Int8.ArenaLength));
}
