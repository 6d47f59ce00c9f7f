using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using BertGen.Runtime.Weights;
using Xunit;

namespace BertGen.Distributed.Tests;

/// <summary>
/// How two training runs that should be the same computation are compared. Data-parallel and single-process runs sum
/// the same gradients in another order (an all-reduce instead of accumulating in the buffer), so they agree to float
/// rounding, not bit for bit: losses and gradient norms to 1e-5 relative. Parameters to max(1e-5·max|a|, 1e-6) per
/// tensor: the floor is there for the attention key biases, whose true gradient is zero (softmax ignores a constant
/// added to every score of a row) so they hold only rounding noise of size 1e-7 that AdamW amplifies differently in
/// each summation order; any real error (a micro-batch taken twice, a gradient lost) moves parameters by about the
/// learning rate, 1e-4 to 1e-3 per step, orders of magnitude above both bounds.
/// </summary>
internal static class Comparison
{
    public const double Relative = 1e-5;
    public const double Floor = 1e-6;

    /// <summary>Every tensor of two safetensors files (checkpoints), within <see cref="Relative"/> / <see cref="Floor"/>.</summary>
    public static void AssertSameParameters(string expectedPath, string actualPath, double relative = Relative, double floor = Floor)
    {
        using SafetensorsReader expected = SafetensorsReader.Open(expectedPath);
        using SafetensorsReader actual = SafetensorsReader.Open(actualPath);
        Assert.Equal(expected.Tensors.Select(t => t.Name).Order(), actual.Tensors.Select(t => t.Name).Order());
        foreach (WeightTensor tensor in expected.Tensors)
        {
            AssertClose(tensor.Name, tensor.ToArray(), actual[tensor.Name].ToArray(), relative, floor);
        }
    }

    /// <summary>Two raw float dumps (the driver's rank files), within the same bounds as one tensor.</summary>
    public static void AssertClose(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative = Relative, double floor = Floor)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0, worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]));
        }

        double bound = Math.Max(relative * scale, floor);
        Assert.True(worst <= bound, $"{what}: max |a − b| = {worst:E3} above {bound:E3} (max |a| = {scale:E3})");
    }

    public static float[] ReadFloats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();

    /// <summary>The train rows of a metrics.csv as (step, loss, grad norm).</summary>
    public static List<(long Step, double Loss, double GradientNorm)> TrainingRows(string metricsPath)
    {
        string[] lines = File.ReadAllLines(metricsPath);
        string[] header = lines[0].Split(',');
        int step = Array.IndexOf(header, "step"), loss = Array.IndexOf(header, "loss"), norm = Array.IndexOf(header, "grad_norm");
        return lines.Skip(1).Select(l => l.Split(',')).Where(f => f[0] == "train")
            .Select(f => (long.Parse(f[step], CultureInfo.InvariantCulture), double.Parse(f[loss], CultureInfo.InvariantCulture), double.Parse(f[norm], CultureInfo.InvariantCulture)))
            .ToList();
    }

    /// <summary>The eval rows of a metrics.csv as (step, loss).</summary>
    public static List<(long Step, double Loss)> EvaluationRows(string metricsPath)
    {
        string[] lines = File.ReadAllLines(metricsPath);
        string[] header = lines[0].Split(',');
        int step = Array.IndexOf(header, "step"), loss = Array.IndexOf(header, "loss");
        return lines.Skip(1).Select(l => l.Split(',')).Where(f => f[0] == "eval")
            .Select(f => (long.Parse(f[step], CultureInfo.InvariantCulture), double.Parse(f[loss], CultureInfo.InvariantCulture)))
            .ToList();
    }

    public static void AssertRelative(double expected, double actual, string what, double relative = Relative) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Abs(expected), $"{what}: {actual:R} vs {expected:R}, beyond {relative} relative");
}
