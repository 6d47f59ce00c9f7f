using System;
using System.Collections.Generic;
using System.Linq;
using BertGen.Generator.Model;
using BertGen.Generator.Planning;

namespace BertGen.Generator.Emitting;

/// <summary>
/// Prints planned ops as C# statements, one block per op under its description: the forward pass and the
/// training step loop over their plans and hand every op here, so each kind of call — a GEMM above all — is
/// written in exactly one place. Makes no decision: sizes, operands and splits all come from the op.
/// </summary>
/// <remarks>
/// The code runs where these names hold: <c>p</c>, <c>w</c>, <c>q</c>, <c>g</c> (parameters, packed weights, int8
/// weights, gradients),
/// <c>arena</c>, <c>pack</c> (the backward's GEMM scratch), <c>pool</c>, the pinned batch arrays by their
/// planned names, and in a training step <c>train</c>, <c>hiddenDropout</c>, <c>attentionDropout</c>,
/// <c>dropoutSeed</c>, <c>gradientScale</c>, <c>replaceGradients</c>, <c>progress</c> and <c>losses</c>.
/// </remarks>
internal sealed class OpWriter
{
    private readonly SourceWriter _w;

    public OpWriter(SourceWriter w) => _w = w;

    public void Write(PlannedOp op)
    {
        if (op is SectionOp section)
        {
            _w.Line();
            _w.Comment(section.Description!);
            return;
        }

        if (op.Description is { } description)
        {
            _w.Comment(description);
        }

        switch (op)
        {
            case GemmOp gemm:
                WriteGemm(_w, gemm);
                break;
            case MaskBiasOp mask:
                using (_w.Block($"for (int t = 0; t < {mask.Tokens}; t++)"))
                {
                    _w.Line($"{Index(mask.Output, "t")} = mask[t] != 0 ? 0f : float.MinValue;");
                }

                break;
            case EmbeddingSumOp { LayerNormModule: { } module } sum:
            {
                // Summed and normalised row by row, the tokens split over the pool: bitwise the serial sum then LayerNorm.
                _w.Line($"EmbeddingKernels.SumAndNormalize(&{RowKernelEmitter.ClassName}.{RowKernelEmitter.EmbeddingSumName(sum.Width)}, " +
                    $"&{RowKernelEmitter.ClassName}.{RowKernelEmitter.LayerNormName(sum.Width)}, {Expression(sum.Output)}, ids, types, {sum.Tokens}, {sum.Sequence}, " +
                    $"{sum.Width}, {sum.WordRows ?? Tensor("p", sum.Word)}, {Tensor("p", sum.Position)}, {Tensor("p", sum.TokenType)}, {Gamma("p", module)}, " +
                    $"{Beta("p", module)}, pool);");
                break;
            }

            case EmbeddingSumOp sum:
                using (_w.Block($"for (int t = 0; t < {sum.Tokens}; t++)"))
                {
                    string dst = Rows(Expression(sum.Output), "t", sum.Width);
                    // The training forward's sum (its LayerNorm saves x̂ for the backward, a separate op); word rows from the parameters.
                    string rows = string.Join(", ", EmbeddingRowList(sum.Word, sum.Position, sum.TokenType, sum.Sequence, sum.Width, "p"));
                    _w.Line($"{RowKernelEmitter.ClassName}.{RowKernelEmitter.EmbeddingSumName(sum.Width)}({dst}, {rows});");
                }

                break;
            case LayerNormOp norm when norm.SavedXhat is null:
                // Split by rows over the pool (bitwise the same on any number of threads: one kernel call per row range).
                _w.Line($"LayerNormKernels.InPlace(&{RowKernelEmitter.ClassName}.{RowKernelEmitter.LayerNormName(norm.Width)}, {Expression(norm.Output)}, {norm.Rows}, {norm.Width}, " +
                    $"{Gamma("p", norm.Module)}, {Beta("p", norm.Module)}, pool);");
                break;
            case LayerNormOp norm:
                _w.Line($"LayerNormKernels.Forward({Expression(norm.Input)}, {Expression(norm.Output)}, {Expression(norm.SavedXhat)}, {Expression(norm.SavedRstd!)}, {norm.Rows}, {norm.Width}, " +
                    $"{Gamma("p", norm.Module)}, {Beta("p", norm.Module)}, LayerNormEpsilon, pool);");
                break;
            case LayerNormBackwardOp back:
                _w.Line($"LayerNormKernels.Backward({Expression(back.Dy)}, {Expression(back.Xhat)}, {Expression(back.Rstd)}, {Gamma("p", back.Module)}, {Expression(back.Dx)}, " +
                    $"{Gamma("g", back.Module)}, {Beta("g", back.Module)}, {back.Rows}, {back.Width}, accumulate: false);");
                break;
            case AttentionOp attention:
                AttentionEmitter.WriteCall(_w, attention);
                break;
            case DropoutOp dropout:
                WriteDropout(dropout);
                break;
            case ActivationOp activation:
                _w.Line($"ActivationKernels.{(activation.Backward ? "Backward" : "Forward")}(ActivationKind.{activation.Activation}, {Expression(activation.Pre)}, {Expression(activation.Target)}, {activation.Count}, pool);");
                break;
            case TanhBackwardOp tanh:
                _w.Line($"ActivationKernels.TanhBackwardFromOutput({Expression(tanh.Output)}, {Expression(tanh.Gradient)}, {tanh.Count});");
                break;
            case CopyOp copy:
                _w.Line($"new ReadOnlySpan<float>({Expression(copy.Source)}, {copy.Count}).CopyTo(new Span<float>({Expression(copy.Destination)}, {copy.Count}));");
                break;
            case ClearOp clear:
                _w.Line($"new Span<float>({Expression(clear.Destination)}, {clear.Count}).Clear();");
                break;
            case GradientClearOp clear:
                using (_w.Block("if (replaceGradients) // the first writes below add: zero them, as the step replaces the gradients"))
                {
                    foreach (ClearedGradient tensor in clear.Tensors)
                    {
                        _w.Line($"BufferKernels.Clear({Expression(tensor.Tensor)}, {tensor.Count}, pool);");
                    }
                }

                break;
            case ColumnSumsOp sums:
                _w.Line($"RowReductions.AddColumnSums({Expression(sums.X)}, {sums.Rows}, {sums.Width}, {sums.Ld}, {Expression(sums.Sums)}, pool);");
                break;
            case MaskedRowsOp rows:
                _w.Line($"int* rows = {IntPointer(rows.Rows)};");
                using (_w.Block($"for (int r = 0; r < {rows.Count}; r++)"))
                {
                    _w.Line($"rows[r] = r / {rows.PerSequence} * {rows.Sequence} + positions[r];");
                }

                break;
            case RowsOp rows:
                _w.Line($"RowReductions.{(rows.Scatter ? "ScatterAddRows" : "GatherRows")}({Expression(rows.Source)}, {IntPointer(rows.Rows)}, {rows.Count}, {rows.Width}, {Expression(rows.Destination)});");
                break;
            case EmbeddingBackwardOp back:
                using (_w.Block($"for (int t = 0; t < {back.Tokens}; t++)"))
                {
                    _w.Line($"float* d = {Rows(Expression(back.Dy), "t", back.Width)};");
                    string[] rows = EmbeddingRowList(back.Word, back.Position, back.TokenType, back.Sequence, back.Width, "g");
                    foreach (string row in rows)
                    {
                        _w.Line($"RowReductions.Add({row}, d, {back.Width});");
                    }
                }

                break;
            case QaLogitsOp qa:
                using (_w.Block($"for (int t = 0; t < {qa.Tokens}; t++)"))
                {
                    (string pair0, string pair1) = (Index(qa.Logits, "2 * t"), Index(qa.Logits, "2 * t + 1"));
                    (string start, string end) = (Index(qa.Start, "t"), Index(qa.End, "t"));
                    _w.Line(qa.Join ? $"{pair0} = {start};" : $"{start} = {pair0};");
                    _w.Line(qa.Join ? $"{pair1} = {end};" : $"{end} = {pair1};");
                }

                break;
            case CrossEntropyOp ce:
                WriteCrossEntropy(ce);
                break;
            case BinaryCrossEntropyOp bce:
                _w.Line($"LossResult {bce.Result} = LossKernels.BinaryCrossEntropyWithLogits({Expression(bce.Logits)}, {bce.Targets}, {bce.Rows}, {bce.Labels}, gradientScale);");
                break;
            case MeanSquaredErrorOp mse:
                _w.Line($"LossResult {mse.Result} = LossKernels.MeanSquaredError({Expression(mse.Predictions)}, {mse.Targets}, {mse.Count}, gradientScale);");
                break;
            case RecordLossesOp record:
                WriteLosses(record);
                break;
            case EndOfForwardOp:
                using (_w.Block("if (!train)"))
                {
                    _w.Line("return losses;");
                }

                break;
            case ProgressOp progress:
                string boundary = progress.Offset == 0 ? "0L" : $"{CodeNames.ParameterOffsets}.{progress.Boundary}";
                _w.Line($"progress?.CompletedFrom({boundary});");
                break;
            default:
                throw new InvalidOperationException($"No code for planned op {op.GetType().Name}.");
        }
    }

    /// <summary>The one GEMM call writer: every GEMM of every generated file, attention's included, goes through it.</summary>
    public static void WriteGemm(SourceWriter w, GemmOp gemm)
    {
        string a = Expression(gemm.A), b = Expression(gemm.B), c = Expression(gemm.C);
        string pool = gemm.Parallel ? "pool" : "null";
        string epilogue = Epilogue(gemm.Epilogue);
        w.Line(gemm.Form switch
        {
            GemmForm.Linear => $"Gemm.Linear({gemm.M}, {gemm.N}, {gemm.K}, {a}, {gemm.Lda}, {b}, {c}, {gemm.Ldc}, {epilogue}, {pool});",
            GemmForm.QuantizedLinear =>
                $"Int8Kernels.Linear({gemm.M}, {gemm.N}, {gemm.K}, {a}, {gemm.Lda}, (byte*)({b}), {c}, {gemm.Ldc}, {epilogue}, (byte*)({Expression(gemm.Pack!)}), {pool});",
            GemmForm.Multiply or GemmForm.MultiplyTransposedA or GemmForm.MultiplyTransposedB =>
                $"Gemm.{gemm.Form}({gemm.M}, {gemm.N}, {gemm.K}, {a}, {gemm.Lda}, {b}, {gemm.Ldb}, {c}, {gemm.Ldc}, {Expression(gemm.Pack!)}, {epilogue}, {pool});",
            _ => throw new InvalidOperationException($"No GEMM driver for form {gemm.Form}."),
        });
    }

    /// <summary>The C# pointer expression of an operand: <c>arena + Qkv0Offset</c>, <c>p + ParameterOffset.X</c>, <c>q</c>.</summary>
    public static string Expression(Operand? operand)
    {
        if (operand is null)
        {
            return "null";
        }

        string at = operand.Base switch
        {
            OperandBase.Arena => "arena + " + CodeNames.ArenaOffset(operand.Name),
            OperandBase.Parameters => $"p + {CodeNames.ParameterOffsets}.{CodeNames.Parameter(operand.Name)}",
            OperandBase.Gradients => $"g + {CodeNames.ParameterOffsets}.{CodeNames.Parameter(operand.Name)}",
            OperandBase.PackedWeights => $"w + {CodeNames.PackedOffsets}.{operand.Name}",
            OperandBase.QuantizedWeights => $"q + {CodeNames.QuantizedOffsets}.{operand.Name}",
            OperandBase.Local => operand.Name,
            _ => throw new InvalidOperationException($"No pointer for operand base {operand.Base}."),
        };
        return operand.Offset == 0 ? at : $"{at} + {Literals.Int(operand.Offset)}";
    }

    private static string Epilogue(GemmEpilogueSpec e)
    {
        if (e.StoresWhenReplacing)
        {
            return "replaceGradients ? GemmEpilogue.None : GemmEpilogue.AccumulateIntoC";
        }

        if (e.Accumulate)
        {
            return "GemmEpilogue.AccumulateIntoC";
        }

        string text = "GemmEpilogue.None";
        if (e.Alpha is { } alpha)
        {
            text += $".WithAlpha({Literals.Float(alpha)})";
        }

        if (e.Bias is { } bias)
        {
            text += $".WithBias({Expression(bias)})";
        }

        if (e.Activation is { } activation)
        {
            text += $".WithActivation(ActivationKind.{activation})";
        }

        if (e.Residual is { } residual)
        {
            text += $".WithResidual({Expression(residual)}, {e.ResidualStride})";
        }

        return text;
    }

    private void WriteDropout(DropoutOp d)
    {
        string rate = d.Rate switch
        {
            DropoutRate.Hidden => "hiddenDropout",
            DropoutRate.Attention => "attentionDropout",
            _ => throw new InvalidOperationException($"No dropout probability {d.Rate}."),
        };
        string pool = d.Parallel ? ", pool" : string.Empty;
        _w.Line(d.Form switch
        {
            DropoutForm.Apply => $"Dropout.Apply({Expression(d.X)}, {d.Count}, {rate}, dropoutSeed, {d.Site}{pool});",
            DropoutForm.ApplyAndAdd => $"Dropout.ApplyAndAdd({Expression(d.X)}, {Expression(d.Other)}, {d.Count}, {rate}, dropoutSeed, {d.Site}{pool});",
            DropoutForm.ApplyTo => $"Dropout.ApplyTo({Expression(d.X)}, {Expression(d.Other)}, {d.Count}, {rate}, dropoutSeed, {d.Site}{pool});",
            _ => throw new InvalidOperationException($"No dropout call for form {d.Form}."),
        });
    }

    private void WriteCrossEntropy(CrossEntropyOp ce)
    {
        string normalizer;
        switch (ce.Normalizer)
        {
            case LossNormalizer.Rows:
                normalizer = Literals.Int(ce.Rows);
                break;
            case LossNormalizer.LabelledRows:
                normalizer = $"Math.Max({ce.Result}Labelled, 1)";
                _w.Line($"int {ce.Result}Labelled = 0;");
                using (_w.Block($"for (int r = 0; r < {ce.Rows}; r++)"))
                {
                    _w.Line($"{ce.Result}Labelled += {ce.Labels}[r] != LossKernels.IgnoreLabel ? 1 : 0;");
                }

                break;
            case LossNormalizer.WeightSum:
                normalizer = $"{ce.Result}WeightSum + 1e-5";
                _w.Line($"double {ce.Result}WeightSum = 0;");
                using (_w.Block($"for (int r = 0; r < {ce.Rows}; r++)"))
                {
                    _w.Line($"{ce.Result}WeightSum += {ce.Weights}[r];");
                }

                break;
            default:
                throw new InvalidOperationException($"No normaliser {ce.Normalizer}.");
        }

        string scale = ce.GradientShare == 1 ? "gradientScale" : $"{Literals.Float(ce.GradientShare)} * gradientScale";
        _w.Line($"LossResult {ce.Result} = LossKernels.SoftmaxCrossEntropy({Expression(ce.Logits)}, {ce.Rows}, {ce.Classes}, {ce.Classes}, {ce.Labels}, " +
            $"{ce.Weights ?? "null"}, {normalizer}, {scale});");
    }

    // TrainingLosses(total, masked LM, next sentence, task, and each one's correct and counted predictions).
    private void WriteLosses(RecordLossesOp r)
    {
        string task = r.Task.Count switch
        {
            0 => string.Empty,
            1 => $"{r.Task[0]}.Loss",
            _ => $"({string.Join(" + ", r.Task.Select(x => x + ".Loss"))}) / {r.Task.Count}",
        };
        string total = string.Join(" + ", new[] { r.MaskedLm is null ? null : r.MaskedLm + ".Loss", r.NextSentence is null ? null : r.NextSentence + ".Loss", task.Length == 0 ? null : task }.Where(x => x is not null));
        string Part(string? result) => result is null ? "0f" : $"(float){result}.Loss";
        string Count(string? result, string what) => result is null ? "0" : $"{result}.{what}";
        string taskPart = task.Length == 0 ? "0f" : $"(float)({task})";
        string Sum(string what) => r.Task.Count == 0 ? "0" : string.Join(" + ", r.Task.Select(x => $"{x}.{what}"));
        _w.Line($"losses = new((float)({total}), {Part(r.MaskedLm)}, {Part(r.NextSentence)}, {taskPart}, " +
            $"{Count(r.MaskedLm, "Correct")}, {Count(r.MaskedLm, "Count")}, {Count(r.NextSentence, "Correct")}, {Count(r.NextSentence, "Count")}, " +
            $"{Sum("Correct")}, {Sum("Count")});");
    }

    // The rows of the three embedding tables a token reads (or, from g, the gradient rows it adds into).
    private static string[] EmbeddingRowList(string word, string position, string tokenType, int sequence, int width, string buffer) => new[]
    {
        $"{Tensor(buffer, word)} + (long)ids[t] * {width}",
        $"{Tensor(buffer, position)} + (t % {sequence}) * {width}",
        $"{Tensor(buffer, tokenType)} + types[t] * {width}",
    };

    private static string Tensor(string buffer, string name) => $"{buffer} + {CodeNames.ParameterOffsets}.{CodeNames.Parameter(name)}";

    private static string Gamma(string buffer, string module) => Tensor(buffer, HuggingFaceNames.Weight(module));

    private static string Beta(string buffer, string module) => Tensor(buffer, HuggingFaceNames.Bias(module));

    private static string Rows(string pointer, string row, int width) => $"{pointer} + (long){row} * {width}";

    // Element `index` of an operand: arena[Offset + index] for the arena, else the pointer indexed.
    private static string Index(Operand operand, string index) => operand.Base == OperandBase.Arena && operand.Offset == 0
        ? $"arena[{CodeNames.ArenaOffset(operand.Name)} + {index}]"
        : $"({Expression(operand)})[{index}]";

    // The masked-LM head's gathered rows are ints kept in a float buffer of the arena (same size).
    private static string IntPointer(Operand operand) => $"(int*)({Expression(operand)})";
}
