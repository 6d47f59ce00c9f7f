using System;

namespace BertGen.TorchOracle;

/// <summary>
/// Rejects a batch the oracle would otherwise evaluate to a silently wrong answer: an id outside a table (libtorch
/// would throw deep inside index_select, or read garbage), labels of another head, arrays of the wrong length.
/// </summary>
internal static class BertInputValidator
{
    public static void Validate(TorchBertConfig config, BertInputs inputs)
    {
        int b = inputs.BatchSize;
        int s = inputs.SequenceLength;
        if (b <= 0 || s <= 0)
        {
            throw new TorchOracleException($"batch size {b} and sequence length {s} must be positive");
        }

        if (s > config.MaxPositions)
        {
            throw new TorchOracleException($"sequence length {s} exceeds the {config.MaxPositions} position embeddings");
        }

        Length(inputs.InputIds, b * s, nameof(inputs.InputIds));
        InRange(inputs.InputIds, 0, config.VocabSize, nameof(inputs.InputIds));
        if (inputs.AttentionMask is not null)
        {
            Length(inputs.AttentionMask, b * s, nameof(inputs.AttentionMask));
            InRange(inputs.AttentionMask, 0, 2, nameof(inputs.AttentionMask));
        }

        if (inputs.TokenTypeIds is not null)
        {
            Length(inputs.TokenTypeIds, b * s, nameof(inputs.TokenTypeIds));
            InRange(inputs.TokenTypeIds, 0, config.TypeVocabSize, nameof(inputs.TokenTypeIds));
        }

        bool pretraining = config.Head == BertHead.Pretraining;
        bool sequence = config.Head == BertHead.SequenceClassification;
        bool singleLabel = sequence && config.Problem == ClassificationProblem.SingleLabel;
        Expect(inputs.MaskedLmPositions, pretraining, nameof(inputs.MaskedLmPositions), config.Head);
        Expect(inputs.MaskedLmIds, pretraining, nameof(inputs.MaskedLmIds), config.Head);
        Expect(inputs.NextSentenceLabels, pretraining, nameof(inputs.NextSentenceLabels), config.Head);
        if (inputs.MaskedLmWeights is not null && !pretraining)
        {
            throw new TorchOracleException($"{nameof(inputs.MaskedLmWeights)} given, but the head is {config.Head}");
        }

        Expect(inputs.ClassLabels, singleLabel, nameof(inputs.ClassLabels), config.Head);
        Expect(inputs.TargetValues, sequence && !singleLabel, nameof(inputs.TargetValues), config.Head);
        Expect(inputs.TokenLabels, config.Head == BertHead.TokenClassification, nameof(inputs.TokenLabels), config.Head);
        Expect(inputs.StartPositions, config.Head == BertHead.QuestionAnswering, nameof(inputs.StartPositions), config.Head);
        Expect(inputs.EndPositions, config.Head == BertHead.QuestionAnswering, nameof(inputs.EndPositions), config.Head);

        switch (config.Head)
        {
            case BertHead.Pretraining:
            {
                int[] positions = inputs.MaskedLmPositions!;
                if (positions.Length == 0 || positions.Length % b != 0)
                {
                    throw new TorchOracleException($"{positions.Length} masked-LM positions do not split into {b} equal non-empty rows");
                }

                InRange(positions, 0, s, nameof(inputs.MaskedLmPositions));
                Length(inputs.MaskedLmIds!, positions.Length, nameof(inputs.MaskedLmIds));
                InRange(inputs.MaskedLmIds!, 0, config.VocabSize, nameof(inputs.MaskedLmIds));
                if (inputs.MaskedLmWeights is not null)
                {
                    if (inputs.MaskedLmWeights.Length != positions.Length)
                    {
                        throw new TorchOracleException($"{nameof(inputs.MaskedLmWeights)} has {inputs.MaskedLmWeights.Length} values, expected {positions.Length}");
                    }

                    foreach (float w in inputs.MaskedLmWeights)
                    {
                        if (!float.IsFinite(w) || w < 0)
                        {
                            throw new TorchOracleException($"{nameof(inputs.MaskedLmWeights)} contains {w}; weights must be finite and non-negative");
                        }
                    }
                }

                Length(inputs.NextSentenceLabels!, b, nameof(inputs.NextSentenceLabels));
                InRange(inputs.NextSentenceLabels!, 0, 2, nameof(inputs.NextSentenceLabels));
                break;
            }

            case BertHead.SequenceClassification when singleLabel:
                Length(inputs.ClassLabels!, b, nameof(inputs.ClassLabels));
                InRange(inputs.ClassLabels!, 0, config.NumLabels, nameof(inputs.ClassLabels));
                break;
            case BertHead.SequenceClassification:
                if (inputs.TargetValues!.Length != b * config.NumLabels)
                {
                    throw new TorchOracleException($"{nameof(inputs.TargetValues)} has {inputs.TargetValues.Length} values, expected {b * config.NumLabels}");
                }

                break;
            case BertHead.TokenClassification:
            {
                int[] labels = inputs.TokenLabels!;
                Length(labels, b * s, nameof(inputs.TokenLabels));
                bool any = false;
                foreach (int label in labels)
                {
                    if (label == -100)
                    {
                        continue;
                    }

                    if (label < 0 || label >= config.NumLabels)
                    {
                        throw new TorchOracleException($"{nameof(inputs.TokenLabels)} contains {label}, outside [0, {config.NumLabels}) and not -100");
                    }

                    any = true;
                }

                if (!any)
                {
                    throw new TorchOracleException($"every {nameof(inputs.TokenLabels)} entry is -100, so the mean loss is undefined");
                }

                break;
            }

            case BertHead.QuestionAnswering:
                Length(inputs.StartPositions!, b, nameof(inputs.StartPositions));
                Length(inputs.EndPositions!, b, nameof(inputs.EndPositions));
                InRange(inputs.StartPositions!, 0, s, nameof(inputs.StartPositions));
                InRange(inputs.EndPositions!, 0, s, nameof(inputs.EndPositions));
                break;
        }
    }

    private static void Expect(Array? values, bool wanted, string name, BertHead head)
    {
        if (wanted && values is null)
        {
            throw new TorchOracleException($"{name} is required for the {head} head");
        }

        if (!wanted && values is not null)
        {
            throw new TorchOracleException($"{name} given, but the head is {head}");
        }
    }

    private static void Length(int[] values, int expected, string name)
    {
        if (values.Length != expected)
        {
            throw new TorchOracleException($"{name} has {values.Length} values, expected {expected}");
        }
    }

    private static void InRange(int[] values, int low, int high, string name)
    {
        foreach (int v in values)
        {
            if (v < low || v >= high)
            {
                throw new TorchOracleException($"{name} contains {v}, outside [{low}, {high})");
            }
        }
    }
}
