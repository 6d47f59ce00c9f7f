using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace BertGen.Runtime.Training;

/// <summary>
/// Writes one CSV row per training step and per evaluation (<c>kind</c> = <c>train</c> or <c>eval</c>), flushed
/// as it goes so a crash loses nothing already reported. An existing non-empty file is appended to (a resumed run
/// continues its log); a new one starts with the header. Numbers are invariant-culture and round-trippable; a value
/// that does not apply (an accuracy with nothing scored, an eval row's learning rate) is left empty.
/// </summary>
public sealed class CsvMetricsSink : ITrainingMetricsSink, IDisposable
{
    public const string Header = "kind,step,epoch,loss,mlm_loss,nsp_loss,task_loss,mlm_accuracy,nsp_accuracy,task_accuracy,learning_rate,grad_norm,tokens_per_second";

    private readonly StreamWriter _writer;
    private readonly StringBuilder _line = new();

    public CsvMetricsSink(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        bool append = File.Exists(path) && new FileInfo(path).Length > 0;
        if (append)
        {
            string? first;
            using (var reader = new StreamReader(path))
            {
                first = reader.ReadLine();
            }

            if (first != Header)
            {
                throw new TrainingException($"metrics file '{path}' exists with another header; refusing to append rows of a different layout");
            }
        }

        _writer = new StreamWriter(path, append, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        if (!append)
        {
            _writer.WriteLine(Header);
            _writer.Flush();
        }
    }

    public void OnTrainingStep(in TrainingStepMetrics m)
    {
        _line.Clear().Append("train,").Append(m.Step).Append(',').Append(m.Epoch);
        Append(m.Loss).Append(m.MaskedLmLoss).Append(m.NextSentenceLoss).Append(m.TaskLoss);
        Append(m.MaskedLmAccuracy).Append(m.NextSentenceAccuracy).Append(m.TaskAccuracy);
        Append(m.LearningRate).Append(m.GradientNorm).Append(m.TokensPerSecond);
        WriteLine();
    }

    public void OnEvaluation(in EvaluationMetrics m)
    {
        _line.Clear().Append("eval,").Append(m.Step).Append(',');
        Append(m.Loss).Append(m.MaskedLmLoss).Append(m.NextSentenceLoss).Append(m.TaskLoss);
        Append(m.MaskedLmAccuracy).Append(m.NextSentenceAccuracy).Append(m.TaskAccuracy);
        Append(double.NaN).Append(double.NaN).Append(double.NaN);
        WriteLine();
    }

    /// <summary>Checkpoints are not metrics; the CSV has no row for them.</summary>
    public void OnCheckpoint(long step, string path)
    {
    }

    public void Dispose() => _writer.Dispose();

    private CsvMetricsSink Append(double value)
    {
        _line.Append(',');
        if (double.IsFinite(value))
        {
            _line.Append(value.ToString("R", CultureInfo.InvariantCulture));
        }

        return this;
    }

    private void WriteLine()
    {
        _writer.WriteLine(_line);
        _writer.Flush();
    }
}
