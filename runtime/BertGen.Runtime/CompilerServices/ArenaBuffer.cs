using System.ComponentModel;

namespace BertGen.Runtime.CompilerServices;

/// <summary>
/// One activation buffer of an arena plan (offsets and lengths in floats). Generated code lists them; a user reads
/// them through <see cref="Inference.ShapeDescriptor.Buffers"/> (what <c>bertgen inspect --buffers</c> prints).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record ArenaBuffer(string Name, string Shape, long Offset, long Length);
