using System.Globalization;
using System.IO;
using System.Linq;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Training;
using BertGen.Testing;
using Xunit;

namespace BertGen.Training.Runtime.Tests;

public sealed class CsvMetricsSinkTests
{
    [Fact]
    public void WritesRoundTrippableRowsAndAppendsOnResume()
    {
        using var folder = new TemporaryDirectory();
        string path = Path.Combine(folder.Path, "metrics.csv");
        var step = new TrainingStepMetrics(7, 1, 3.5e-5, 0.123456789, 1, 2.302585092994046, 0, 0, 2.302585092994046, double.NaN, double.NaN, 0.375, 1000, 0.5);
        using (var sink = new CsvMetricsSink(path))
        {
            sink.OnTrainingStep(step);
            sink.OnEvaluation(new EvaluationMetrics(7, 3, 1.5, 0, 0, 1.5, double.NaN, double.NaN, 0.8, 0, 0, 40));
        }

        using (var sink = new CsvMetricsSink(path))
        {
            sink.OnTrainingStep(step with { Step = 8 });
        }

        string[] lines = File.ReadAllLines(path);
        Assert.Equal(4, lines.Length);
        Assert.Equal(CsvMetricsSink.Header, lines[0]);
        string[] train = lines[1].Split(',');
        Assert.Equal(CsvMetricsSink.Header.Split(',').Length, train.Length);
        Assert.Equal("train", train[0]);
        Assert.Equal(2.302585092994046, double.Parse(train[3], CultureInfo.InvariantCulture));
        Assert.Equal(string.Empty, train[7]); // no masked-LM predictions: no accuracy
        Assert.Equal(0.375, double.Parse(train[9], CultureInfo.InvariantCulture));
        Assert.Equal(3.5e-5, double.Parse(train[10], CultureInfo.InvariantCulture));
        Assert.Equal(2000.0, double.Parse(train[12], CultureInfo.InvariantCulture));
        Assert.Equal("eval,7,,1.5,0,0,1.5,,,0.8,,,", lines[2]);
        Assert.StartsWith("train,8,", lines[3], System.StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesToAppendToAFileOfAnotherLayout()
    {
        using var folder = new TemporaryDirectory();
        string path = Path.Combine(folder.Path, "metrics.csv");
        File.WriteAllText(path, "step,loss\n1,2.0\n");
        TrainingException error = Assert.Throws<TrainingException>(() => new CsvMetricsSink(path));
        Assert.Contains("another header", error.Message, System.StringComparison.Ordinal);
        Assert.Equal("step,loss\n1,2.0\n", File.ReadAllText(path));
    }

    [Fact]
    public void ResumingKeepsOnlyWhatTheResumedRunWillNotReportAgain()
    {
        // Issue 15: a resumed run duplicated the rows of steps after its checkpoint, and a row torn by a kill was
        // glued to the next one. Resuming from step 4: train rows ≤ 4 and evaluations < 4 stay.
        using var folder = new TemporaryDirectory();
        string path = Path.Combine(folder.Path, "metrics.csv");
        var step = new TrainingStepMetrics(1, 0, 1e-4, 0.5, 1, 2.5, 0, 0, 2.5, double.NaN, double.NaN, 0.5, 100, 0.1);
        var evaluation = new EvaluationMetrics(0, 3, 1.5, 0, 0, 1.5, double.NaN, double.NaN, 0.8, 0, 0, 40);
        using (var sink = new CsvMetricsSink(path))
        {
            sink.OnEvaluation(evaluation);
            for (long s = 1; s <= 6; s++)
            {
                sink.OnTrainingStep(step with { Step = s });
                if (s % 2 == 0)
                {
                    sink.OnEvaluation(evaluation with { Step = s });
                }
            }
        }

        File.AppendAllText(path, "train,7,0,2.4");
        string[] before = File.ReadAllLines(path);
        File.WriteAllText(path + ".tmp", "someone else's file"); // the cut went through this fixed name once

        CsvMetricsSink.TruncateAfter(path, 4);

        Assert.Equal("someone else's file", File.ReadAllText(path + ".tmp"));
        Assert.Equal(2, Directory.GetFiles(folder.Path).Length); // no temporary file left beside them

        string[] after = File.ReadAllLines(path);
        Assert.Equal([before[0], before[1], before[2], before[3], before[4], before[5], before[6]], after);
        Assert.Equal(["eval,0", "train,1", "train,2", "eval,2", "train,3", "train,4"], after[1..].Select(l => string.Join(',', l.Split(',')[..2])));
        Assert.EndsWith("\n", File.ReadAllText(path), System.StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRowIsOnDiskWholeWhenTheCallReturns()
    {
        using var folder = new TemporaryDirectory();
        string path = Path.Combine(folder.Path, "metrics.csv");
        using var sink = new CsvMetricsSink(path);
        sink.OnTrainingStep(new TrainingStepMetrics(1, 0, 1e-4, 0.5, 1, 2.5, 0, 0, 2.5, double.NaN, double.NaN, 0.5, 100, 0.1));

        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        string text = new StreamReader(reader).ReadToEnd();
        Assert.Equal(2, text.Split('\n', System.StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.EndsWith("\n", text, System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void AResumedRunReportsEachStepOnce(bool cutBackByTheProgram, bool evaluatesOnResume)
    {
        // A program resuming with the same sink file reported the steps after the checkpoint twice; one that cut the file
        // back itself (CsvMetricsSink.TruncateAfter, after building the sink: only then is the step known) lost every
        // later row, written to the file the cut had replaced. The evaluation at the checkpoint's step stays once: kept
        // for a run that does not evaluate there again, replaced for one that does (the jobs and bertgen evaluate first).
        using var folder = new TemporaryDirectory();
        string runs = Path.Combine(folder.Path, "runs"), path = Path.Combine(runs, "metrics.csv");
        using BagOfEmbeddingsClassifier model = CheckpointedRuns.Model();
        TrainerOptions Options(long steps) => CheckpointedRuns.Options(runs, steps, every: 4) with { EvaluateEvery = 2 };
        var evaluation = new SyntheticEvaluationSource(8, 16, seed: 1);

        using (var sink = new CsvMetricsSink(path))
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(6), evaluation, sink))
        {
            // Stopped at step 6, two steps after its last checkpoint (as by a kill).
            for (int i = 0; i < 6; i++)
            {
                trainer.TrainStep();
                if (trainer.Step % 2 == 0)
                {
                    trainer.Evaluate();
                }

                if (trainer.Step == 4)
                {
                    trainer.SaveCheckpoint();
                }
            }
        }

        using (var sink = new CsvMetricsSink(path))
        using (var trainer = new Trainer(model, new SyntheticClassificationSource(8, seed: 5), Options(8), evaluation, sink))
        {
            Assert.True(trainer.ResumeFromLatest());
            if (cutBackByTheProgram)
            {
                CsvMetricsSink.TruncateAfter(path, trainer.Step);
            }

            if (evaluatesOnResume)
            {
                trainer.Evaluate();
            }

            trainer.Run();
        }

        string[][] rows = File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).ToArray();
        long[] Steps(string kind) => rows.Where(f => f[0] == kind).Select(f => long.Parse(f[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], Steps("train"));
        Assert.Equal(cutBackByTheProgram && !evaluatesOnResume ? [2, 6, 8] : [2, 4, 6, 8], Steps("eval"));
    }
}
