using System;
using System.Globalization;
using System.Text;
using BertGen.Fuzzing;
using Xunit;
using Xunit.Abstractions;

namespace BertGen.Fuzz.Tests;

/// <summary>
/// <c>bertgen spec</c> and the generator at the edge of one buffer: the largest size the command accepts (found by
/// bisection over configs wide enough that the parameters, not a size bound, are what stops them) must give a spec the
/// generator accepts, and one more must be refused by both. The command copies the generator's layout arithmetic
/// (<c>SpecRules.ParameterBufferFloats</c>); a copy that counts one tensor fewer or rounds differently would write a spec the
/// build refuses (or refuse one it accepts) in exactly this neighbourhood, which the random fuzz values rarely hit.
/// </summary>
public sealed class SpecBufferEdgeTests(ITestOutputHelper output) : IDisposable
{
    private const string Wide = """
        {
          "architectures": ["ARCHITECTURE"], "model_type": "bert", "vocab_size": 30522, "hidden_size": 4096, "num_hidden_layers": 2,
          "num_attention_heads": 32, "intermediate_size": 16384, "hidden_act": "gelu", "max_position_embeddings": 512, "type_vocab_size": 2,
          "layer_norm_eps": 1e-12, "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
          "pad_token_id": 0, "num_labels": 3
        }
        """;

    private readonly SpecCommandTarget _command = new();
    private readonly SpecTarget _generator = new();

    [Theory]
    [InlineData("BertModel", "vocab_size", 30522, 2)]
    [InlineData("BertForMaskedLM", "vocab_size", 30522, 2)]
    [InlineData("BertForSequenceClassification", "num_hidden_layers", 2, 2)]
    [InlineData("BertForPreTraining", "intermediate_size", 16384, 8)]
    public void The_commands_largest_size_is_the_generators(string architecture, string field, int accepted, int layers)
    {
        string config = Wide.Replace("ARCHITECTURE", architecture, StringComparison.Ordinal)
            .Replace("\"num_hidden_layers\": 2,", $"\"num_hidden_layers\": {layers.ToString(CultureInfo.InvariantCulture)},", StringComparison.Ordinal);
        string With(int value) => config.Replace($"\"{field}\": {accepted.ToString(CultureInfo.InvariantCulture)},", $"\"{field}\": {value.ToString(CultureInfo.InvariantCulture)},", StringComparison.Ordinal);
        Assert.NotNull(_command.WriteSpec(Encoding.UTF8.GetBytes(With(accepted))).Spec);

        // The largest value the command writes a spec for, below the generator's size bounds (2^20 words, 128 layers, 2^16).
        int low = accepted, high = 1 << 20;
        while (low < high)
        {
            int middle = low + (high - low + 1) / 2;
            if (_command.WriteSpec(Encoding.UTF8.GetBytes(With(middle))).Spec is not null)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        byte[] spec = _command.WriteSpec(Encoding.UTF8.GetBytes(With(low))).Spec!;
        (CliRun refused, byte[]? none) = _command.WriteSpec(Encoding.UTF8.GetBytes(With(low + 1)));
        output.WriteLine($"{architecture}: {field} {low} written; {low + 1}: {refused.Error.Trim()}");

        Assert.Null(_generator.ErrorOf(spec));
        Assert.Null(none);
        Assert.Contains("more than the 2,147,483,647 one buffer holds", refused.Error, StringComparison.Ordinal);
        Assert.Single(refused.Error.Trim().Split('\n'));

        string past = Encoding.UTF8.GetString(spec).Replace($"\"{field}\": {low.ToString(CultureInfo.InvariantCulture)}", $"\"{field}\": {(low + 1).ToString(CultureInfo.InvariantCulture)}", StringComparison.Ordinal);
        Assert.NotEqual(Encoding.UTF8.GetString(spec), past);
        Assert.StartsWith("BG", _generator.ErrorOf(Encoding.UTF8.GetBytes(past)) ?? "(accepted)", StringComparison.Ordinal);
    }

    public void Dispose() => _command.Dispose();
}
