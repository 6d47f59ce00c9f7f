using System;
using System.Collections.Generic;
using BertGen.Generator.Model;

namespace BertGen.Generator.Emitting;

/// <summary>
/// Emits the row-wise kernels of one model, specialised to its widths: LayerNorm over the hidden size,
/// softmax over each sequence length, and the embedding sum. Every inner loop bound is a constant; each
/// kernel has a Vector512, a Vector256 and a scalar path, chosen by the JIT at compile time.
/// </summary>
internal static class RowKernelEmitter
{
    public const string ClassName = "RowKernels";

    public static void Emit(SourceWriter w, ModelSpec spec, IEnumerable<int> sequenceLengths)
    {
        BertArchitecture a = spec.Architecture;
        w.Summary("Row-wise kernels with this model's widths baked in.");
        using (w.Block($"private static unsafe class {ClassName}"))
        {
            EmitLayerNorm(w, a.HiddenSize, a.LayerNormEps);
            foreach (int s in sequenceLengths)
            {
                w.Line();
                EmitSoftmax(w, s);
            }

            w.Line();
            EmitEmbeddingSum(w, a.HiddenSize);
        }
    }

    public static string LayerNormName(int h) => $"LayerNorm{h}";

    public static string SoftmaxName(int s) => $"Softmax{s}";

    public static string EmbeddingSumName(int h) => $"EmbeddingSum{h}";

    private static void ForEachWidth(SourceWriter w, Action<VectorWidth> body)
    {
        foreach (VectorWidth v in VectorWidth.All)
        {
            if (v.Condition is { } condition)
            {
                using (w.Block($"if ({condition})"))
                {
                    body(v);
                    w.Line("return;");
                }
            }
            else
            {
                w.Comment("Portable path: no SIMD.");
                body(v);
            }
        }
    }

    /// <summary>Loops over full vectors then the scalar tail, both with constant bounds.</summary>
    private static void Chunks(SourceWriter w, VectorWidth v, int length, Action<string, VectorWidth> body)
    {
        int full = v.FullLength(length);
        if (full > 0)
        {
            using (w.Block($"for (int j = 0; j < {full}; j += {v.Lanes})"))
            {
                body("j", v);
            }
        }

        if (full < length)
        {
            using (w.Block($"for (int j = {full}; j < {length}; j++)"))
            {
                body("j", VectorWidth.Scalar);
            }
        }
    }

    private static void EmitLayerNorm(SourceWriter w, int h, double eps)
    {
        w.Summary($"In-place LayerNorm of rows × [{h}]: (x − mean) / √(var + {eps.ToString(System.Globalization.CultureInfo.InvariantCulture)}) · γ + β, biased variance as torch computes it.");
        w.Line(ModelEmitter.OptimizeNow);
        using (w.Block($"public static void {LayerNormName(h)}(float* x, int rows, float* gamma, float* beta)"))
        {
            using (w.Block("for (int r = 0; r < rows; r++, x += " + h + ")"))
            {
                w.Line($"float mean = 0f, variance = 0f;");
                ForEachWidthInline(w, v =>
                {
                    w.Comment("pass 1: mean");
                    Accumulate(w, v, h, (j, u) => u.Load($"x + {j}"), "mean");
                    w.Line($"mean *= {Literals.Float(1.0 / h)};");
                    w.Comment("pass 2: variance around the mean (two passes: no cancellation from E[x²] − E[x]²)");
                    w.Line($"{v.Type} meanV = {v.Splat("mean")};");
                    Accumulate(w, v, h, (j, u) => u.IsScalar ? $"(x[{j}] - mean) * (x[{j}] - mean)" : $"({u.Load($"x + {j}")} - meanV) * ({u.Load($"x + {j}")} - meanV)", "variance");
                    w.Line($"float inverse = 1f / MathF.Sqrt(variance * {Literals.Float(1.0 / h)} + {Literals.Float(eps)});");
                    w.Comment("pass 3: normalise, scale, shift");
                    w.Line($"{v.Type} inverseV = {v.Splat("inverse")};");
                    Chunks(w, v, h, (j, u) =>
                    {
                        string m = u.IsScalar ? "mean" : "meanV", inv = u.IsScalar ? "inverse" : "inverseV";
                        w.Line(u.Store(u.Fma($"({u.Load($"x + {j}")} - {m}) * {inv}", u.Load($"gamma + {j}"), u.Load($"beta + {j}")), $"x + {j}"));
                    });
                });
            }
        }
    }

    private static void EmitSoftmax(SourceWriter w, int s)
    {
        w.Summary($"In-place softmax of rows × [{s}]: exp(x − max) / Σ exp(x − max), stable for any logits.");
        w.Line(ModelEmitter.OptimizeNow);
        using (w.Block($"public static void {SoftmaxName(s)}(float* x, int rows)"))
        {
            using (w.Block("for (int r = 0; r < rows; r++, x += " + s + ")"))
            {
                w.Line("float max = float.MinValue, sum = 0f;");
                ForEachWidthInline(w, v =>
                {
                    w.Comment("pass 1: row maximum");
                    int full = v.FullLength(s);
                    if (!v.IsScalar && full > 0)
                    {
                        w.Line($"{v.Type} maxV = {v.Splat("float.MinValue")};");
                        using (w.Block($"for (int j = 0; j < {full}; j += {v.Lanes})"))
                        {
                            w.Line($"maxV = {v.Max("maxV", v.Load("x + j"))};");
                        }

                        w.Line($"max = {v.MaxAcross("maxV")};");
                    }

                    int from = v.IsScalar ? 0 : full;
                    if (from < s)
                    {
                        using (w.Block($"for (int j = {from}; j < {s}; j++)"))
                        {
                            w.Line("max = MathF.Max(max, x[j]);");
                        }
                    }

                    w.Comment("pass 2: exponentiate and sum");
                    w.Line($"{v.Type} shiftV = {v.Splat("max")};");
                    Accumulate(w, v, s, (j, u) =>
                    {
                        string e = u.IsScalar ? $"MathF.Exp(x[{j}] - max)" : u.ExpNonPositive($"{u.Load($"x + {j}")} - shiftV");
                        return e;
                    }, "sum", store: true);
                    w.Comment("pass 3: normalise");
                    w.Line("float scale = 1f / sum;");
                    w.Line($"{v.Type} scaleV = {v.Splat("scale")};");
                    Chunks(w, v, s, (j, u) => w.Line(u.Store($"{u.Load($"x + {j}")} * {(u.IsScalar ? "scale" : "scaleV")}", $"x + {j}")));
                });
            }
        }
    }

    private static void EmitEmbeddingSum(SourceWriter w, int h)
    {
        w.Summary($"dst[{h}] = word[{h}] + position[{h}] + tokenType[{h}] for one token.");
        w.Line(ModelEmitter.OptimizeNow);
        using (w.Block($"public static void {EmbeddingSumName(h)}(float* dst, float* word, float* position, float* tokenType)"))
        {
            ForEachWidth(w, v => Chunks(w, v, h, (j, u) =>
                w.Line(u.Store($"{u.Load($"word + {j}")} + {u.Load($"position + {j}")} + {u.Load($"tokenType + {j}")}", $"dst + {j}"))));
        }
    }

    /// <summary>Like <see cref="ForEachWidth"/> but inside a loop body: branches are if / else if / else.</summary>
    private static void ForEachWidthInline(SourceWriter w, Action<VectorWidth> body)
    {
        for (int i = 0; i < VectorWidth.All.Length; i++)
        {
            VectorWidth v = VectorWidth.All[i];
            string header = v.Condition is { } c ? (i == 0 ? $"if ({c})" : $"else if ({c})") : "else";
            using (w.Block(header))
            {
                body(v);
            }
        }
    }

    /// <summary>target += Σ over the row of <paramref name="term"/>, vector lanes first then the scalar tail.</summary>
    private static void Accumulate(SourceWriter w, VectorWidth v, int length, Func<string, VectorWidth, string> term, string target, bool store = false)
    {
        int full = v.FullLength(length);
        if (!v.IsScalar && full > 0)
        {
            w.Line($"{v.Type} {target}Acc = {v.Zero};");
            using (w.Block($"for (int j = 0; j < {full}; j += {v.Lanes})"))
            {
                if (store)
                {
                    w.Line($"{v.Type} e = {term("j", v)};");
                    w.Line(v.Store("e", "x + j"));
                    w.Line($"{target}Acc += e;");
                }
                else
                {
                    w.Line($"{target}Acc += {term("j", v)};");
                }
            }

            w.Line($"{target} += {v.Sum($"{target}Acc")};");
        }

        int from = v.IsScalar ? 0 : full;
        if (from < length)
        {
            using (w.Block($"for (int j = {from}; j < {length}; j++)"))
            {
                if (store)
                {
                    w.Line($"float e = {term("j", VectorWidth.Scalar)};");
                    w.Line("x[j] = e;");
                    w.Line($"{target} += e;");
                }
                else
                {
                    w.Line($"{target} += {term("j", VectorWidth.Scalar)};");
                }
            }
        }
    }
}
