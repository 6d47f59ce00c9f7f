namespace BertGen.Generator.Model;

/// <summary>
/// The largest value of every size and count a spec may ask for. The bounds keep a hostile or mistyped spec
/// from turning the compiler into an allocator (a 2³¹-layer model is minutes and gigabytes of source before any
/// check could fail) and keep every size the generator and the generated code compute inside the integer types
/// they use: each bound sits well above the largest BERT-family model published, and their products cannot
/// overflow a 64-bit count. The README's spec table quotes them; a value above one is BG0004.
/// </summary>
internal static class SpecLimits
{
    /// <summary>Word pieces: multilingual vocabularies reach 250,002 (XLM-R); 2²⁰ leaves room.</summary>
    public const int VocabSize = 1 << 20;

    /// <summary>H: 4,096 is the widest published BERT-family encoder (ALBERT-xxlarge).</summary>
    public const int HiddenSize = 16_384;

    /// <summary>L: 48 is the deepest published BERT (Megatron-BERT 3.9B); each layer is ~60 lines per shape.</summary>
    public const int Layers = 128;

    /// <summary>I: four times the widest hidden size.</summary>
    public const int IntermediateSize = 65_536;

    /// <summary>Position table rows; every shape's sequence must fit it.</summary>
    public const int MaxPositions = 65_536;

    /// <summary>Segment table rows (BERT uses 2).</summary>
    public const int TypeVocabSize = 1_024;

    /// <summary>Classifier outputs; each label name is one line of the generated model.</summary>
    public const int Labels = 16_384;

    /// <summary>The pool size a forward pass may be scheduled for (<c>bertgen.threads</c>).</summary>
    public const int Threads = 1_024;

    /// <summary>Compiled shapes: each is two generated files (forward, training step).</summary>
    public const int Shapes = 32;

    /// <summary>
    /// Layers spelt out over every compiled pass: shapes × passes per shape (each precision's forward, the training
    /// step) × layers. Each is about 5 KB of C#: at every other bound at once (128 layers, 32 shapes, fp32, int8 and
    /// training, 12,288) the generator wrote 66 MB and the compiler's binding took 166 s and 2.4 GB on a 2-core Zen 5
    /// host under a load near 10. The bound leaves room for 32 shapes of a 48-layer model in fp32 and int8 (3,072) and
    /// of BERT-large with all three passes (2,304); at the bound, about 23 MB (4,608 measured 25.7 MB and 42 s, same
    /// host and load). The shipped specs compile 108 at most.
    /// </summary>
    public const int CompiledLayers = 4_096;

    /// <summary>batch × sequence of one shape (and batch × max_predictions_per_seq): the M of every token-wise GEMM.</summary>
    public const int TokensPerShape = 1 << 20;

    /// <summary>Gathered masked-LM positions per sequence.</summary>
    public const int MaxPredictionsPerSequence = 65_536;

    /// <summary>Characters of a type name, a namespace or a label name.</summary>
    public const int NameLength = 512;

    /// <summary>
    /// Characters of all label names together. Each is a string literal of the generated model, and the compiler holds an
    /// assembly's string literals to one 16 MB heap (ECMA-335's #US, two bytes a character): 16,384 labels of 512
    /// characters are 16.8 MB, which it refuses (CS8103) after the generator has accepted the spec. 2²⁰ characters, an
    /// average of 64 at the label bound, are 2 MB of the heap; the rest of a model's strings took 3.5 MB at the
    /// compiled-layers bound, which leaves the project's own code room.
    /// </summary>
    public const int LabelCharacters = 1 << 20;

    /// <summary>
    /// UTF-8 bytes of a generated file's name, <c>&lt;namespace&gt;.&lt;type&gt;.&lt;part&gt;.g.cs</c>: what a file name
    /// may take on Linux, macOS and Windows alike, when the project writes generated files to disk.
    /// </summary>
    public const int FileNameBytes = 255;

    /// <summary>The longest part suffix of a generated file's name, <c>.TrainingB1048576S65536.g.cs</c>, rounded up.</summary>
    public const int FileNamePartBytes = 32;

    /// <summary>
    /// Floats of one buffer: the parameters, and each activation buffer of a shape. The runtime hands them out as
    /// spans, whose length is an <c>int</c>.
    /// </summary>
    public const long BufferFloats = int.MaxValue;

    /// <summary>
    /// Diagnostics listed for one spec file. Past it (100,000 unknown keys in the <c>bertgen</c> section are 100,000
    /// BG0012 errors, 30 MB of build output) the errors are listed first, then the warnings, up to the bound, and one
    /// BG0021 says how many more there are.
    /// </summary>
    public const int Diagnostics = 100;

    /// <summary>
    /// Characters of a spec file. Every field is bounded, but a field BertGen does not read is not, and the parser holds a
    /// node of every value: a 50 MB spec of one unknown array of numbers took 24 s and 2.6 GB of the compiler (2-core Zen 5
    /// host). The largest spec the other bounds admit is about 13 MB (1,048,576 characters of labels written as
    /// <c>\uXXXX</c> escapes, as HF writes non-ASCII, in both <c>id2label</c> and <c>label2id</c>, indented); at the bound a
    /// spec of 8 million numbers takes 9 s and 0.9 GB.
    /// </summary>
    public const int SpecCharacters = 1 << 24;

    /// <summary>Nesting of JSON arrays and objects: a spec needs 4; the parser recurses once per level.</summary>
    public const int JsonDepth = 64;
}
