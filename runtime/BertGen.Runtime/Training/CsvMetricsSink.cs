using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace BertGen.Runtime.Training;

/// <summary>
/// Writes one CSV row per training step and per evaluation (<c>kind</c> = <c>train</c> or <c>eval</c>), each row in
/// one unbuffered append (a single <c>write</c>) to the file at the path at that moment, so a crash loses nothing
/// already reported and a kill never leaves half a row. An existing non-empty file is appended to: a resumed run
/// continues its log, and when the trainer resumes (<see cref="OnResumed"/>) the sink first drops what the resumed run
/// will report again (an evaluation at the resumed step is replaced if the run evaluates there again). A new file starts
/// with the header.
/// Numbers are invariant-culture and round-trippable; a value that does not apply (an accuracy with nothing scored,
/// an eval row's learning rate) is left empty. The file's folder is made when missing, as the trainer makes its
/// checkpoint folder.
/// </summary>
public sealed class CsvMetricsSink : ITrainingMetricsSink, IDisposable
{
    public const string Header = "kind,step,epoch,loss,mlm_loss,nsp_loss,task_loss,mlm_accuracy,nsp_accuracy,task_accuracy,learning_rate,grad_norm,tokens_per_second";

    private readonly string _path;
    private readonly StringBuilder _line = new();
    private long _resumedAt = -1;

    public CsvMetricsSink(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        // A folder was "Access to the path is denied", and a folder not made yet (the trainer's checkpoint folder, made at
        // its first checkpoint, is where a program puts its metrics) "Could not find a part of the path".
        if (Directory.Exists(path))
        {
            throw new TrainingException($"metrics file {MessageText.QuotePath(path)} is a folder, not a file");
        }

        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
        {
            if (File.Exists(folder))
            {
                throw new TrainingException($"metrics file {MessageText.QuotePath(path)} cannot be made: {MessageText.QuotePath(FileSystemErrors.FolderAsNamed(path, folder))} is a file, not a folder");
            }

            Directory.CreateDirectory(folder);
        }

        _path = path;
        RequireLayout(path);
    }

    // A file with rows of another layout is refused; a missing or empty one starts with the header.
    private static void RequireLayout(string path)
    {
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

        if (!append)
        {
            File.WriteAllText(path, Header + "\n");
        }
    }

    /// <summary>
    /// Prepares the metrics file of a run that resumes from its checkpoint of <paramref name="step"/>: keeps the header,
    /// the training rows up to that step and the evaluations before it, and drops the rest: rows of steps the
    /// interrupted run took after the checkpoint (the resumed run takes them again), the evaluation at the checkpoint
    /// (it is run again on resume) and a last line cut off by a crash. Rewritten through a temporary file and a
    /// rename, so the file is whole at every instant. Does nothing when the file is missing or has another header.
    /// </summary>
    public static void TruncateAfter(string path, long step) => Keep(path, (kind, rowStep) => kind == "train" ? rowStep <= step : rowStep < step);

    // Rewrites the file with the header and the whole rows keep(kind, step) accepts; nothing when it is missing or has
    // another header.
    private static void Keep(string path, Func<string, long, bool> keep)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            return;
        }

        string text = File.ReadAllText(path, Encoding.UTF8);
        string[] lines = text.Split('\n');
        if (lines[0] != Header)
        {
            return;
        }

        var kept = new StringBuilder(text.Length);
        kept.Append(Header).Append('\n');

        // The last element is what follows the final line break: empty for a whole file, a torn row otherwise.
        for (int i = 1; i < lines.Length - 1; i++)
        {
            string[] fields = lines[i].Split(',');
            bool whole = fields.Length == Header.Split(',').Length
                && fields[0] is "train" or "eval"
                && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long rowStep)
                && keep(fields[0], rowStep);
            if (whole)
            {
                kept.Append(lines[i]).Append('\n');
            }
        }

        // Whole or not at all: a kill while the cut file is written leaves the old one, and no fixed-name .tmp beside it.
        byte[] bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(kept.ToString());
        AtomicFile.Write(path, stream => stream.Write(bytes));
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
        if (m.Step == _resumedAt)
        {
            // The evaluation at the resumed checkpoint, run again (the jobs and bertgen evaluate first): it replaces the row
            // the interrupted run wrote there, which a program of its own that does not evaluate again keeps.
            long step = m.Step;
            Keep(_path, (kind, rowStep) => kind == "train" || rowStep != step);
        }

        _resumedAt = -1;
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

    /// <summary>
    /// Drops the rows the resumed run reports again: training rows after <paramref name="step"/>, evaluations after it (and
    /// a torn last line). The evaluation at the step itself stays until the run evaluates there again, which replaces it.
    /// </summary>
    public void OnResumed(long step)
    {
        Keep(_path, (_, rowStep) => rowStep <= step);
        _resumedAt = step;
    }

    /// <summary>Holds nothing open between rows: there is nothing to release.</summary>
    public void Dispose()
    {
    }

    private CsvMetricsSink Append(double value)
    {
        _line.Append(',');
        if (double.IsFinite(value))
        {
            _line.Append(value.ToString("R", CultureInfo.InvariantCulture));
        }

        return this;
    }

    // Opened for each row, no buffer: one write(2) of a whole row, appended to the file now at the path. (Held open, a
    // program that cut the file back after building the sink, through TruncateAfter's rename, had the resumed run's rows
    // written to the file it had replaced, and lost.) A file removed since starts again with the header.
    private void WriteLine()
    {
        _line.Append('\n');
        using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        if (stream.Length == 0)
        {
            _line.Insert(0, Header + "\n");
        }

        stream.Write(Encoding.UTF8.GetBytes(_line.ToString()));
    }
}
