using System;
using BertGen.Testing;
using Xunit;

namespace BertGen.Runtime.Tests;

/// <summary>The reference model's scalar functions against tabulated values.</summary>
public sealed class ReferenceMathTests
{
    // erf values as tabulated (A&S Table 7.1), to 16 digits as printed by glibc's erf;
    // the implementation claims ~1e-16, so 1e-15 absolute is a fair bound on both branches.
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.1, 0.1124629160182849)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.5, 0.9661051464753108)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(2.9, 0.9999589021219005)]
    [InlineData(3.0, 0.9999779095030014)]
    [InlineData(3.5, 0.9999992569016276)]
    [InlineData(-1.0, -0.8427007929497149)]
    [InlineData(6.0, 1.0)]
    public void ErfMatchesTables(double x, double expected)
    {
        Assert.Equal(expected, ReferenceMath.Erf(x), 1e-15);
    }

    [Fact]
    public void ErfcTailIsAccurateRelativeToItsSize()
    {
        // erfc(4) = 1.541725790028002e-8: the continued fraction must keep relative accuracy in the tail.
        Assert.Equal(1.541725790028002e-8, 1 - ReferenceMath.Erf(4), 4.5e-16); // 1 − erf(4) is exact to ~2 ulps of 1
    }

    [Theory]
    [InlineData(ReferenceActivation.GeluErf, 1.0, 0.8413447460685429)] // x·Φ(x), Φ(1) = 0.8413447460685429
    [InlineData(ReferenceActivation.GeluErf, -1.0, -0.15865525393145707)]
    [InlineData(ReferenceActivation.GeluTanh, 1.0, 0.8411919906082768)] // tanh form, PyTorch approximate='tanh'
    [InlineData(ReferenceActivation.GeluTanh, -2.0, -0.04540230591222494)]
    [InlineData(ReferenceActivation.Relu, -0.5, 0.0)]
    [InlineData(ReferenceActivation.Relu, 0.5, 0.5)]
    public void ActivationsMatchTheirDefinitions(ReferenceActivation activation, double x, double expected)
    {
        Assert.Equal(expected, ReferenceMath.Activate(activation, x), 1e-13);
    }

    [Theory]
    [InlineData("gelu", ReferenceActivation.GeluErf)]
    [InlineData("gelu_new", ReferenceActivation.GeluTanh)]
    [InlineData("gelu_pytorch_tanh", ReferenceActivation.GeluTanh)]
    [InlineData("relu", ReferenceActivation.Relu)]
    public void HiddenActStringsParse(string hiddenAct, ReferenceActivation expected)
    {
        Assert.Equal(expected, ReferenceBertConfig.ParseActivation(hiddenAct));
    }

    [Fact]
    public void UnknownHiddenActIsRejected()
    {
        Assert.Throws<ArgumentException>(() => ReferenceBertConfig.ParseActivation("mish"));
    }
}
