namespace BertGen.Generator.Tests;

/// <summary>A small valid spec the diagnostic tests break one field at a time, and where its lines are.</summary>
internal static class SmallSpec
{
    public const string Path = "/project/specs/test.bert.json";

    // Line numbers below are zero-based lines of this text (line 0 is the opening brace).
    public const string Text =
        "{\n" +
        "  \"vocab_size\": 100,\n" +                    // 1
        "  \"hidden_size\": 16,\n" +                    // 2
        "  \"num_hidden_layers\": 1,\n" +               // 3
        "  \"num_attention_heads\": 2,\n" +             // 4
        "  \"intermediate_size\": 32,\n" +              // 5
        "  \"hidden_act\": \"gelu\",\n" +               // 6
        "  \"max_position_embeddings\": 64,\n" +        // 7
        "  \"bertgen\": {\n" +                          // 8
        "    \"type_name\": \"TestModel\",\n" +         // 9
        "    \"shapes\": [{ \"batch\": 2, \"sequence\": 16 }],\n" + // 10
        "    \"heads\": [\"pretraining\"]\n" +          // 11
        "  }\n" +
        "}\n";
}
