using System;
using System.IO;
using BertGen.Runtime;

namespace BertGen.Cli;

/// <summary>The corpus, fine-tuning task and vocabulary the build copies beside the app under <c>data/</c>.</summary>
internal static class BundledData
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "data");

    /// <summary>The King James Bible, one verse per line, a blank line between books.</summary>
    public static string PretrainingCorpus => Path.Combine(Folder, "kjv-sentences.txt.gz");

    /// <summary><c>label&lt;TAB&gt;text</c>, OT or NT: which testament a verse is from.</summary>
    public static string TestamentTrain => Path.Combine(Folder, "kjv-testament-train.tsv.gz");

    public static string TestamentDev => Path.Combine(Folder, "kjv-testament-dev.tsv.gz");

    /// <summary>bert-base-uncased's WordPiece vocabulary (30,522 tokens), the one every shipped spec uses.</summary>
    public static string Vocabulary => Path.Combine(Folder, "bert-base-uncased-vocab.txt");

    /// <summary>The user's file, or the bundled default; either way it must exist.</summary>
    /// <param name="readOnce">Whether the command reads the file once, so that a pipe can stand for it (a shell's
    /// <c>&lt;(zcat a.gz b.gz)</c>); a file read twice (by the checks, then by the run) must be a file.</param>
    public static string Resolve(string? given, string bundled, string option, bool readOnce = true)
    {
        string path = given ?? bundled;
        if (InputFiles.Problem(path, option) is string problem)
        {
            throw given is null
                ? new CliFailureException($"the bundled file '{path}' is missing (the app's data/ folder was not copied with it); pass {option} FILE")
                : new CliFailureException(problem);
        }

        if (!readOnce && InputFiles.ReadsOnce(path))
        {
            // Read a second time, the pipe would be at its end: "is empty", "has no examples".
            throw new CliUsageException($"{option} '{ShownPath.Of(path)}' is a pipe, and training reads this file twice (to check it, then to train); give a file");
        }

        return path;
    }
}
