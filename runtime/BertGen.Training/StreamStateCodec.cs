using System;
using System.Buffers.Binary;
using BertGen.Runtime.Training;
using BertGen.Text;

namespace BertGen.Training;

/// <summary>
/// The byte form of the text streams' saved positions inside a checkpoint: a 4-byte tag naming the kind of stream,
/// a version, then little-endian fields. The tag lets a classification run refuse a pretraining checkpoint's data
/// state (and the reverse) with a clear message instead of misreading it. Version 2 appends the data's content
/// fingerprint; version 1 (checkpoints written before it) is still read, without one, so its resume is checked by the
/// number of instances or examples alone.
/// </summary>
internal static class StreamStateCodec
{
    private const int Version = 2;
    private const uint PretrainingTag = 0x53504742; // "BGPS"
    private const uint ClassificationTag = 0x43534742; // "BGSC"
    private const int PretrainingLengthV1 = 8 + 4 + 4 + 32 + 32 + 4;
    private const int ClassificationLengthV1 = 8 + 4 + 4 + 32 + 4;
    private const int FingerprintLength = 8;

    public static byte[] Encode(PretrainingStreamState state)
    {
        var bytes = new byte[PretrainingLengthV1 + FingerprintLength];
        var writer = new Writer(bytes);
        writer.Header(PretrainingTag);
        writer.Int(state.Epoch);
        writer.Int(state.BatchInEpoch);
        writer.Rng(state.EpochStartRng);
        writer.Rng(state.Rng);
        writer.Int(state.InstanceCount);
        writer.Fingerprint(state.ContentFingerprint);
        return bytes;
    }

    public static PretrainingStreamState DecodePretraining(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes, PretrainingTag, PretrainingLengthV1, "pretraining");
        return new PretrainingStreamState(reader.Int(), reader.Int(), reader.Rng(), reader.Rng(), reader.Int(), reader.Fingerprint());
    }

    public static byte[] Encode(SequenceClassificationStreamState state)
    {
        var bytes = new byte[ClassificationLengthV1 + FingerprintLength];
        var writer = new Writer(bytes);
        writer.Header(ClassificationTag);
        writer.Int(state.Epoch);
        writer.Int(state.BatchInEpoch);
        writer.Rng(state.EpochStartRng);
        writer.Int(state.ExampleCount);
        writer.Fingerprint(state.ContentFingerprint);
        return bytes;
    }

    public static SequenceClassificationStreamState DecodeClassification(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes, ClassificationTag, ClassificationLengthV1, "sequence-classification");
        return new SequenceClassificationStreamState(reader.Int(), reader.Int(), reader.Rng(), reader.Int(), reader.Fingerprint());
    }

    /// <summary>
    /// Runs a stream's restore, its refusal of another data's position raised as a <see cref="TrainingException"/>: rank 0
    /// of a data-parallel job relays that to the others (RootDecision), and the job ends with its one line instead of one
    /// more per rank saying mpirun stopped it.
    /// </summary>
    public static void Restore(Action restore)
    {
        try
        {
            restore();
        }
        catch (TextDataException e)
        {
            throw new TrainingException(e.Message);
        }
    }

    private ref struct Writer
    {
        private readonly Span<byte> _bytes;
        private int _at;

        public Writer(Span<byte> bytes)
        {
            _bytes = bytes;
            _at = 0;
        }

        public void Header(uint tag)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_bytes[_at..], tag);
            BinaryPrimitives.WriteInt32LittleEndian(_bytes[(_at + 4)..], Version);
            _at += 8;
        }

        public void Int(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_bytes[_at..], value);
            _at += 4;
        }

        public void Rng(Xoshiro256State state)
        {
            foreach (ulong word in new[] { state.S0, state.S1, state.S2, state.S3 })
            {
                BinaryPrimitives.WriteUInt64LittleEndian(_bytes[_at..], word);
                _at += 8;
            }
        }

        // A stream always has a fingerprint; a state without one (decoded from version 1) is not written again.
        public void Fingerprint(ulong? fingerprint)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_bytes[_at..], fingerprint ?? throw new InvalidOperationException("a stream state to save has no content fingerprint"));
            _at += 8;
        }
    }

    private ref struct Reader
    {
        private readonly ReadOnlySpan<byte> _bytes;
        private readonly int _version;
        private int _at;

        // lengthV1 is the state's length in version 1; version 2 adds the fingerprint.
        public Reader(ReadOnlySpan<byte> bytes, uint tag, int lengthV1, string kind)
        {
            if (bytes.Length < 8 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != tag)
            {
                throw new TrainingException($"the saved data state is not a {kind} stream's position");
            }

            int version = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
            int length = version == 1 ? lengthV1 : lengthV1 + FingerprintLength;
            if (version is not (1 or Version) || bytes.Length != length)
            {
                throw new TrainingException($"the saved {kind} stream position is version {version} with {bytes.Length} bytes; expected version {Version} with {lengthV1 + FingerprintLength} (or 1 with {lengthV1})");
            }

            _bytes = bytes;
            _version = version;
            _at = 8;
        }

        public int Int()
        {
            int value = BinaryPrimitives.ReadInt32LittleEndian(_bytes[_at..]);
            _at += 4;
            return value;
        }

        public Xoshiro256State Rng()
        {
            ulong s0 = BinaryPrimitives.ReadUInt64LittleEndian(_bytes[_at..]);
            ulong s1 = BinaryPrimitives.ReadUInt64LittleEndian(_bytes[(_at + 8)..]);
            ulong s2 = BinaryPrimitives.ReadUInt64LittleEndian(_bytes[(_at + 16)..]);
            ulong s3 = BinaryPrimitives.ReadUInt64LittleEndian(_bytes[(_at + 24)..]);
            _at += 32;
            return new Xoshiro256State(s0, s1, s2, s3);
        }

        public ulong? Fingerprint()
        {
            if (_version == 1)
            {
                return null;
            }

            ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_bytes[_at..]);
            _at += 8;
            return value;
        }
    }
}
