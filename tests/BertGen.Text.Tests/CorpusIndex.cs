using System;
using System.Collections.Generic;
using BertGen.Text;

namespace BertGen.Text.Tests;

/// <summary>
/// Finds where a token sequence occurs in a corpus (documents as one concatenated token stream each).
/// The independent check that a pretraining instance's A and B are real, contiguous corpus text.
/// </summary>
internal sealed class CorpusIndex
{
    private readonly int[][] _streams;
    private readonly Dictionary<(int, int, int), List<(int Document, int Offset)>> _trigrams = new();

    public CorpusIndex(PretrainingCorpus corpus)
    {
        _streams = new int[corpus.DocumentCount][];
        for (int d = 0; d < corpus.DocumentCount; d++)
        {
            var stream = new List<int>();
            foreach (int[] sentence in corpus.Document(d))
            {
                stream.AddRange(sentence);
            }

            _streams[d] = stream.ToArray();
            for (int i = 0; i + 3 <= _streams[d].Length; i++)
            {
                var key = (_streams[d][i], _streams[d][i + 1], _streams[d][i + 2]);
                if (!_trigrams.TryGetValue(key, out var list))
                {
                    _trigrams[key] = list = new List<(int, int)>();
                }

                list.Add((d, i));
            }
        }
    }

    public List<(int Document, int Offset)> Find(ReadOnlySpan<int> sequence)
    {
        var found = new List<(int, int)>();
        if (sequence.Length >= 3)
        {
            if (_trigrams.TryGetValue((sequence[0], sequence[1], sequence[2]), out var candidates))
            {
                foreach ((int d, int o) in candidates)
                {
                    if (o + sequence.Length <= _streams[d].Length && _streams[d].AsSpan(o, sequence.Length).SequenceEqual(sequence))
                    {
                        found.Add((d, o));
                    }
                }
            }

            return found;
        }

        for (int d = 0; d < _streams.Length; d++)
        {
            for (int o = 0; o + sequence.Length <= _streams[d].Length; o++)
            {
                if (_streams[d].AsSpan(o, sequence.Length).SequenceEqual(sequence))
                {
                    found.Add((d, o));
                }
            }
        }

        return found;
    }
}
