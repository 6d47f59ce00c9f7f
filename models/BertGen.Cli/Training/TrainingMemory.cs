using System;
using System.Globalization;
using System.IO;
using System.Linq;
using BertGen.Runtime.Distributed;
using BertGen.Runtime.Inference;

namespace BertGen.Cli.Training;

/// <summary>
/// Whether a training run fits in the memory this machine has available, checked before anything is allocated or read:
/// a process the kernel kills for memory prints nothing (the shell says "Killed"), so a run that cannot fit is refused in
/// one line naming what takes the room. What is counted: each model replica (parameters, gradients, AdamW's two moments,
/// the packed weights, the training and evaluation arenas) and the pretraining corpus once tokenised into training
/// instances, which are held in memory for the whole run (built once for all replicas; once per process under mpirun).
/// </summary>
internal static class TrainingMemory
{
    /// <summary>
    /// Bytes of memory per byte of corpus text once tokenised and built into instances: peak RSS of `pretrain --model
    /// bert-tiny --steps 1` on the bundled corpus repeated 1, 8 and 24 times (4.1, 33.1 and 99.3 MB of text) was 572,
    /// 1,031 and 2,082 MB, i.e. 16.2–16.3 bytes per byte on both steps (English; a script of more word pieces per byte
    /// takes more).
    /// </summary>
    public const double BytesPerCorpusByte = 16;

    // What a compressed corpus is counted as: plain text compresses 3–4× (the bundled corpus 3.4×), so this errs towards
    // letting a run start. The gzip trailer's length is not used: in a damaged file (cut short, say) those 4 bytes are
    // whatever was there, and the corpus reader, not a memory estimate, must be what names the damage.
    private const double GzipRatio = 3;

    /// <summary>
    /// Refuses a run whose <paramref name="replicas"/> replicas of <paramref name="model"/> at (batch, sequence), with the
    /// corpus at <paramref name="corpusPath"/> (null: finetuning, whose labelled data is not counted), would not fit in
    /// nine tenths of the available memory. Does nothing where the available memory cannot be read.
    /// </summary>
    public static void RequireFits(ModelDescriptor model, int batch, int sequence, int replicas, string? corpusPath)
    {
        if (AvailableBytes() is not long available)
        {
            return;
        }

        ShapeDescriptor shape = model.Shapes.First(s => s.Batch == batch && s.Sequence == sequence);
        // bert-tiny at 32×128: 458 MiB by this count, 506 MiB measured alone.
        long perReplica = ((4 * model.ParameterBufferLength) + model.PackedWeightLength + (2 * shape.TrainingArenaLength)) * sizeof(float);
        double budget = 0.9 * available;
        if (replicas > 1 && (double)perReplica * replicas > budget)
        {
            throw new CliFailureException(
                Invariant($"--replicas {replicas} needs {Gib(perReplica * (double)replicas):F1} GiB for '{ModelCatalog.CliName(model)}' at --batch {batch} --sequence {sequence} ")
                + Invariant($"({perReplica / (double)(1L << 20):F1} MiB per replica: model, optimiser state, activations) plus room for its data, and this machine has {Gib(available):F1} GiB available: use fewer replicas"));
        }

        long text = corpusPath is null ? 0 : TextBytes(corpusPath);
        int processes = OpenMpiGroup.LocalSize;
        double data = text * BytesPerCorpusByte;
        if (text > 0 && processes * ((perReplica * (double)replicas) + data) > budget)
        {
            string perProcess = processes > 1 ? Invariant($" in each of the {processes} processes on this machine") : "";
            throw new CliFailureException(
                Invariant($"the corpus '{ShownPath.Of(corpusPath!)}' ({text / 1e6:N0} MB of text) needs about {Gib(data):N1} GiB once tokenised into training instances, ")
                + Invariant($"which with the model's {Gib(perReplica * (double)replicas):F1} GiB{perProcess} is more than the {Gib(available):N1} GiB this machine has available: pretrain on a part of it"));
        }
    }

    /// <summary>
    /// Bytes of text in a corpus file, judged without reading it: its length, <see cref="GzipRatio"/> × its length for a
    /// gzip file; 0 for what is not a regular file (a pipe), whose length is not known.
    /// </summary>
    internal static long TextBytes(string path)
    {
        try
        {
            // A pipe or a device reports a length of 0.
            var info = new FileInfo(path);
            long length = info.Exists ? info.Length : 0;
            return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? (long)(length * GzipRatio) : length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // The corpus's own reader reports an unreadable file in its words.
            return 0;
        }
    }

    // Linux's estimate of the memory a new allocation can get without swapping (MemAvailable), within this process's
    // limit (a container's cgroup); null where it cannot be read.
    private static long? AvailableBytes()
    {
        try
        {
            string? line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
            if (line is null || !long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kilobytes))
            {
                return null;
            }

            return Math.Min(kilobytes * 1024, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double Gib(double bytes) => bytes / (1L << 30);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
