using BertGen.Runtime.Optimization;
using Xunit;
using OracleSchedule = BertGen.TorchOracle.LinearWarmupDecaySchedule;
using Schedule = BertGen.Runtime.Optimization.LinearWarmupDecaySchedule;

namespace BertGen.Training.Runtime.Tests;

/// <summary>Both decay forms against the oracle's schedule (written from HuggingFace's and google-research/bert's code).</summary>
public sealed class LinearWarmupDecayScheduleTests
{
    [Theory]
    [InlineData(0, 10, LearningRateDecay.HuggingFace)]
    [InlineData(3, 10, LearningRateDecay.HuggingFace)]
    [InlineData(10, 10, LearningRateDecay.HuggingFace)]
    [InlineData(100, 1000, LearningRateDecay.HuggingFace)]
    [InlineData(0, 10, LearningRateDecay.OriginalBert)]
    [InlineData(3, 10, LearningRateDecay.OriginalBert)]
    [InlineData(100, 1000, LearningRateDecay.OriginalBert)]
    public void MatchesOracleAtEveryStep(int warmup, int total, LearningRateDecay decay)
    {
        var schedule = new Schedule(5e-5, warmup, total, decay);
        var oracle = new OracleSchedule(5e-5, warmup, total, decay == LearningRateDecay.OriginalBert);
        for (int t = 0; t <= total + 5; t++)
        {
            // The same double formula on both sides; 1e-20 absolute only forgives a last-bit difference.
            Assert.Equal(oracle.At(t), schedule.At(t), 1e-20);
        }
    }

    [Fact]
    public void TheTwoFormsDifferAfterWarmup()
    {
        // At t = W: HuggingFace is back at the full lr, original BERT has already decayed by W/T.
        Assert.Equal(1e-4, new Schedule(1e-4, 100, 1000).At(100), 1e-20);
        Assert.Equal(0.9e-4, new Schedule(1e-4, 100, 1000, LearningRateDecay.OriginalBert).At(100), 1e-18);
        Assert.Equal(0.0, new Schedule(1e-4, 100, 1000).At(0));
    }

    [Fact]
    public void BadSettingsAreRefused()
    {
        Assert.Throws<OptimizationException>(() => new Schedule(1e-4, 11, 10));
        Assert.Throws<OptimizationException>(() => new Schedule(-1, 0, 10));
        Assert.Throws<OptimizationException>(() => new Schedule(1e-4, 0, 0));
    }
}
