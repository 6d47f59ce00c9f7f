namespace BertGen.TorchOracle;

/// <summary>
/// Adam hyper-parameters shared by both optimiser oracles. Defaults are torch's AdamW with HuggingFace's weight
/// decay; original BERT uses <see cref="Eps"/> 1e-6. Weight decay applies only where
/// <see cref="BertParameterLayout.IsDecayed"/> says so. Gradients are clipped to global norm
/// <see cref="MaxGradNorm"/> first (null: no clipping).
/// </summary>
public sealed record AdamSettings
{
    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.999;

    public double Eps { get; init; } = 1e-8;

    public double WeightDecay { get; init; } = 0.01;

    public double? MaxGradNorm { get; init; } = 1.0;
}
