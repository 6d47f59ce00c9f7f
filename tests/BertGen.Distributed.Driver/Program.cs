using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using BertGen.Distributed.Driver;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Optimization;
using BertGen.Runtime.Threading;
using BertGen.Runtime.Training;
using BertGen.Text;
using BertGen.Training;

// driver CORPUS VOCAB OUT STEPS HORIZON [accumulate=N] [replicas=N] [zero] [no-overlap] [resume] [checkpoints=DIR] [bucket-mb=X]
//   Trains DataParallelPretrainer for STEPS steps of a schedule of HORIZON steps on CORPUS, data-parallel when started by
//   mpirun or given replicas=N (N replicas on threads of this process, one compute thread each), and writes
//   OUT/rank-R.params (the final parameters' bytes) and OUT/rank-R.losses (one loss per step).
string corpusPath = args[0], vocabularyPath = args[1], output = args[2];
long steps = long.Parse(args[3], CultureInfo.InvariantCulture), horizon = long.Parse(args[4], CultureInfo.InvariantCulture);
string Option(string name, string fallback) => Array.Find(args, a => a.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..] ?? fallback;
bool Flag(string name) => Array.IndexOf(args, name) >= 0;

// The user's program: join the mpirun job if there is one (or start replicas in this process), build the model, the
// data and the trainer, train.
int replicas = int.Parse(Option("replicas", "1"), CultureInfo.InvariantCulture);
if (replicas > 1)
{
    return InProcessReplicas.Run(replicas, group =>
    {
        using var pool = new ComputePool(1);
        return Train(group, pool);
    });
}

using (OpenMpiGroup? processes = OpenMpiGroup.InitializeIfLaunched())
{
    return Train(processes, pool: null);
}

int Train(IDataParallelGroup? group, ComputePool? pool)
{
    using var model = new DataParallelPretrainer(pool);
    model.InitializeParameters(seed: 42);
    model.PrepareWeights();

    BertVocabulary vocabulary = BertVocabulary.Load(vocabularyPath);
    PretrainingCorpus corpus = PretrainingCorpus.Load(corpusPath, BertWordPieceTokenizer.Create(vocabulary));
    var data = new PretrainingOptions { MaxSeqLength = 32, MaxPredictionsPerSeq = 5, DupeFactor = 2, Masking = MaskingMode.Dynamic, Seed = 7 };
    var stream = new PretrainingBatchStream(corpus, vocabulary, data, batchSize: 4);
    var losses = new LossLog();
    var options = new TrainerOptions
    {
        Steps = steps,
        Schedule = new LinearWarmupDecaySchedule(baseLearningRate: 1e-3, warmupSteps: 2, totalSteps: horizon),
        AccumulationSteps = int.Parse(Option("accumulate", "1"), CultureInfo.InvariantCulture),
        CheckpointDirectory = Option("checkpoints", string.Empty) is { Length: > 0 } folder ? folder : null,
        CheckpointEvery = Option("checkpoints", string.Empty).Length > 0 ? 5 : 0,
        DataParallel = new DataParallelSettings
        {
            ShardOptimizerState = Flag("zero"),
            OverlapReduction = !Flag("no-overlap"),
            BucketMegabytes = double.Parse(Option("bucket-mb", "0.05"), CultureInfo.InvariantCulture),
            FirstBucketMegabytes = 0.01,
            VerifyEvery = 1,
        },
    };
    using (var trainer = new Trainer(model, new PretrainingBatchSource(stream), options, sink: losses, pool: model.Pool, group: group))
    {
        if (Flag("resume") && !trainer.ResumeFromLatest())
        {
            throw new InvalidOperationException("nothing to resume");
        }

        trainer.Run();
    }

    int rank = group?.Rank ?? 0;
    Directory.CreateDirectory(output);
    File.WriteAllBytes(Path.Combine(output, $"rank-{rank}.params"), MemoryMarshal.AsBytes(model.Parameters.AsSpan()).ToArray());
    File.WriteAllLines(Path.Combine(output, $"rank-{rank}.losses"), losses.Lines);
    return 0;
}
