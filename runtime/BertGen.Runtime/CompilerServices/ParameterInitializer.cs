using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// HuggingFace <c>BertPreTrainedModel._init_weights</c>: linear weights and embeddings from
/// normal(0, initializer_range), biases zero, LayerNorm weight one and bias zero. Each tensor draws from
/// its own stream (seed mixed with its index) so adding a head does not change the encoder's weights.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ParameterInitializer
{
    public static void Initialize(IReadOnlyList<ParameterInfo> table, Span<float> parameters, float initializerRange, ulong seed)
    {
        for (int t = 0; t < table.Count; t++)
        {
            ParameterInfo info = table[t];
            Span<float> tensor = parameters.Slice(checked((int)info.Offset), checked((int)info.Length));
            switch (info.Kind)
            {
                case ParameterKind.Weight:
                case ParameterKind.Embedding:
                    var random = new SeededRandom(seed ^ (0x9E3779B97F4A7C15UL * (ulong)(t + 1)));
                    for (int i = 0; i < tensor.Length; i++)
                    {
                        tensor[i] = (float)(random.NextGaussian() * initializerRange);
                    }

                    break;
                case ParameterKind.LayerNormWeight:
                    tensor.Fill(1f);
                    break;
                default:
                    tensor.Clear();
                    break;
            }
        }
    }
}
