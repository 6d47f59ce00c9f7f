namespace BertGen.Runtime.Checkpoints;

/// <summary>One data file of a checkpoint as the trainer state records it, so a load can tell a damaged file.</summary>
/// <param name="Name">File name inside the checkpoint directory.</param>
/// <param name="Bytes">Its length.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of its contents.</param>
internal sealed record CheckpointFile(string Name, long Bytes, string Sha256);
