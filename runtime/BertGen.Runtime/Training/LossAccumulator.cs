namespace BertGen.Runtime.Training;

/// <summary>
/// Sums the <see cref="TrainingLosses"/> of several runs: plain means (for the micro-batches of one step, which are
/// weighted equally by the 1/accumulation gradient scale) and count-weighted means (for evaluation batches, whose
/// last one may be partly padding), plus the correct/total counts behind every accuracy.
/// </summary>
internal struct LossAccumulator
{
    private int _runs;
    private double _total, _maskedLm, _nextSentence, _task;
    private double _weightedTotal, _weightedMaskedLm, _weightedNextSentence, _weightedTask;
    private int _maskedLmCorrect, _maskedLmCount, _nextSentenceCorrect, _nextSentenceCount, _taskCorrect, _taskCount;

    public void Add(in TrainingLosses losses)
    {
        _runs++;
        _total += losses.Total;
        _maskedLm += losses.MaskedLm;
        _nextSentence += losses.NextSentence;
        _task += losses.Task;
        _weightedTotal += (double)losses.Total * losses.TaskCount;
        _weightedMaskedLm += (double)losses.MaskedLm * losses.MaskedLmCount;
        _weightedNextSentence += (double)losses.NextSentence * losses.NextSentenceCount;
        _weightedTask += (double)losses.Task * losses.TaskCount;
        _maskedLmCorrect += losses.MaskedLmCorrect;
        _maskedLmCount += losses.MaskedLmCount;
        _nextSentenceCorrect += losses.NextSentenceCorrect;
        _nextSentenceCount += losses.NextSentenceCount;
        _taskCorrect += losses.TaskCorrect;
        _taskCount += losses.TaskCount;
    }

    /// <summary>Numbers <see cref="WriteTo"/> writes: every sum and count, so accumulators of several processes add up.</summary>
    public const int Length = 15;

    /// <summary>Every sum and count as doubles (counts are exact below 2⁵³), for an all-reduce across processes.</summary>
    public readonly void WriteTo(System.Span<double> values)
    {
        values[0] = _runs;
        values[1] = _total;
        values[2] = _maskedLm;
        values[3] = _nextSentence;
        values[4] = _task;
        values[5] = _weightedTotal;
        values[6] = _weightedMaskedLm;
        values[7] = _weightedNextSentence;
        values[8] = _weightedTask;
        values[9] = _maskedLmCorrect;
        values[10] = _maskedLmCount;
        values[11] = _nextSentenceCorrect;
        values[12] = _nextSentenceCount;
        values[13] = _taskCorrect;
        values[14] = _taskCount;
    }

    /// <summary>The accumulator <see cref="WriteTo"/> wrote (or a sum of several).</summary>
    public static LossAccumulator ReadFrom(System.ReadOnlySpan<double> values) => new()
    {
        _runs = (int)values[0],
        _total = values[1],
        _maskedLm = values[2],
        _nextSentence = values[3],
        _task = values[4],
        _weightedTotal = values[5],
        _weightedMaskedLm = values[6],
        _weightedNextSentence = values[7],
        _weightedTask = values[8],
        _maskedLmCorrect = (int)values[9],
        _maskedLmCount = (int)values[10],
        _nextSentenceCorrect = (int)values[11],
        _nextSentenceCount = (int)values[12],
        _taskCorrect = (int)values[13],
        _taskCount = (int)values[14],
    };

    public readonly int Runs => _runs;

    public readonly double MeanTotal => _total / _runs;

    public readonly double MeanMaskedLm => _maskedLm / _runs;

    public readonly double MeanNextSentence => _nextSentence / _runs;

    public readonly double MeanTask => _task / _runs;

    // A fine-tuning objective's total is its task loss, so it is weighted by task predictions; pretraining's by batch.
    public readonly double WeightedTotal => _taskCount > 0 ? _weightedTotal / _taskCount : MeanTotal;

    public readonly double WeightedMaskedLm => _maskedLmCount > 0 ? _weightedMaskedLm / _maskedLmCount : MeanMaskedLm;

    public readonly double WeightedNextSentence => _nextSentenceCount > 0 ? _weightedNextSentence / _nextSentenceCount : MeanNextSentence;

    public readonly double WeightedTask => _taskCount > 0 ? _weightedTask / _taskCount : MeanTask;

    public readonly double MaskedLmAccuracy => Ratio(_maskedLmCorrect, _maskedLmCount);

    public readonly double NextSentenceAccuracy => Ratio(_nextSentenceCorrect, _nextSentenceCount);

    public readonly double TaskAccuracy => Ratio(_taskCorrect, _taskCount);

    public readonly int MaskedLmCount => _maskedLmCount;

    public readonly int NextSentenceCount => _nextSentenceCount;

    public readonly int TaskCount => _taskCount;

    private static double Ratio(int correct, int count) => count > 0 ? (double)correct / count : double.NaN;
}
