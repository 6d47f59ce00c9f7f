using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BertGen.Runtime.Inference;

namespace BertGen.Cli.HuggingFace;

/// <summary>
/// Which model compiled into this build can run a HuggingFace folder: the one whose architecture and task head are
/// the folder's. Kernels are fixed at build time, so a folder that fits none is an error that names the closest
/// compiled model, every field it differs in, and how to compile one that fits.
/// </summary>
internal static class CompiledModelMatch
{
    public static ModelDescriptor Find(HuggingFaceConfig config, string folder)
    {
        var ranked = ModelCatalog.Compiled
            .Select(d => (Descriptor: d, Differences: Differences(config, d)))
            .OrderBy(c => c.Differences.Count)
            .ToList();
        if (ranked[0].Differences.Count == 0)
        {
            return ranked[0].Descriptor;
        }

        (ModelDescriptor closest, List<string> differences) = ranked[0];
        throw new CliFailureException(
            $"model folder '{folder}' matches no model compiled into bertgen; the closest, {ModelCatalog.CliName(closest)}, differs in {string.Join(", ", differences)}. "
            + $"Write a spec for it with 'bertgen spec {folder}' and compile it into your project (README: Adding a spec to your own project)");
    }

    /// <summary>"field F (folder X, compiled Y)" for every field in which <paramref name="descriptor"/> is not the folder's model.</summary>
    public static List<string> Differences(HuggingFaceConfig config, ModelDescriptor descriptor)
    {
        var differences = new List<string>();
        void Compare<T>(string field, T folder, T compiled)
            where T : notnull
        {
            if (!EqualityComparer<T>.Default.Equals(folder, compiled))
            {
                differences.Add($"{field} (folder {Show(folder)}, compiled {Show(compiled)})");
            }
        }

        Compare("vocab_size", config.VocabSize, descriptor.VocabSize);
        Compare("hidden_size", config.HiddenSize, descriptor.HiddenSize);
        Compare("num_hidden_layers", config.Layers, descriptor.Layers);
        Compare("num_attention_heads", config.AttentionHeads, descriptor.AttentionHeads);
        Compare("intermediate_size", config.IntermediateSize, descriptor.IntermediateSize);
        Compare("hidden_act", ActivationFamily(config.Activation), ActivationFamily(descriptor.Activation));
        Compare("max_position_embeddings", config.MaxPositions, descriptor.MaxPositions);
        Compare("type_vocab_size", config.TypeVocabSize, descriptor.TypeVocabSize);
        Compare("layer_norm_eps", (float)config.LayerNormEpsilon, descriptor.LayerNormEpsilon);
        Compare("task head", HeadList(config.Heads), HeadList(descriptor.Heads));
        if (config.Heads.Contains(ModelCatalog.SequenceClassificationHead) && descriptor.Heads.Contains(ModelCatalog.SequenceClassificationHead))
        {
            Compare("num_labels", config.Labels.Count, descriptor.Labels.Count);

            // Read as the compiled model's kind: a multi-label folder on a single-label classifier answered with a softmax.
            Compare("problem_type", config.ProblemType, descriptor.ProblemType);

            // Scored as the compiled model scores, which is by the problem_type its spec names: a one-label folder that names
            // none (a cross-encoder's) trains as regression too, but HF's pipeline scores it by a sigmoid, and a compiled spec
            // that names "regression" answered its raw output. Only then (same labels, same problem_type) do the two differ here.
            if (config.Labels.Count == descriptor.LabelCount && config.ProblemType == descriptor.ProblemType)
            {
                Compare("function_to_apply", ClassScores.FunctionFor(config.ProblemTypeGiven ? config.ProblemType : null, config.Labels.Count), ClassScores.FunctionOf(descriptor));
            }
        }

        return differences;
    }

    // "gelu_new" and "gelu_pytorch_tanh" are the same tanh approximation.
    private static string ActivationFamily(string activation) => activation is "gelu_new" or "gelu_pytorch_tanh" ? "gelu_new" : activation;

    private static string HeadList(IReadOnlyList<string> heads) => heads.Count == 0 ? "none" : string.Join("+", heads);

    private static string Show<T>(T value) where T : notnull =>
        value is float f ? f.ToString("R", CultureInfo.InvariantCulture) : Convert.ToString(value, CultureInfo.InvariantCulture)!;
}
