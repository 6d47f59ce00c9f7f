using System.Collections.Generic;

namespace BertGen.TorchOracle;

/// <summary>What each optimiser step saw and left: entry <c>t</c> belongs to step <c>t</c> (0-based).</summary>
/// <param name="Losses">The loss at the parameters before step t.</param>
/// <param name="GradientNorms">The global L2 norm of the gradient before clipping.</param>
/// <param name="LearningRates">The learning rate step t used.</param>
/// <param name="ParametersAfterStep">Every parameter by HuggingFace name after step t.</param>
public sealed record TrainingTrajectory(
    IReadOnlyList<double> Losses,
    IReadOnlyList<double> GradientNorms,
    IReadOnlyList<double> LearningRates,
    IReadOnlyList<IReadOnlyDictionary<string, float[]>> ParametersAfterStep);
