// Compiled by MSBuild's RoslynCodeTaskFactory from TorchSharpOnDebian.targets; not part of any assembly.
//
// TorchSharp 0.107.0's libLibTorchSharp.so was linked against a libstdc++ that defines GLIBCXX_3.4.32 (GCC 13),
// while Debian 12's libstdc++ stops at GLIBCXX_3.4.30, so the dynamic loader refuses the library. The only
// symbol bound to that version is std::ios_base_library_init(), which GCC 13 references to force iostream
// initialisation and which nothing calls at run time. glibc's loader skips a missing version when its
// requirement carries VER_FLG_WEAK, so setting that bit in the copied library's .gnu.version_r makes it load.
//
// ELF64 layouts used below (System V gABI, "Symbol Versioning" in the LSB):
//   Elf64_Ehdr: e_shoff @0x28 (u64), e_shentsize @0x3A (u16), e_shnum @0x3C (u16)
//   Elf64_Shdr (64 bytes): sh_type @4 (u32), sh_offset @0x18 (u64), sh_size @0x20 (u64),
//                          sh_link @0x28 (u32, the string table), sh_info @0x2C (u32, the entry count)
//   Elf64_Verneed (16 bytes): vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
//   Elf64_Vernaux (16 bytes): vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class MarkElfVersionNeedWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>The ELF shared objects to patch in place (copies in an output folder, never the package cache).</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The version requirement to mark weak, e.g. GLIBCXX_3.4.32.</summary>
    [Required]
    public string VersionName { get; set; } = string.Empty;

    public override bool Execute()
    {
        foreach (ITaskItem item in Files)
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                Patch(path);
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogError("MarkElfVersionNeedWeak: {0}: {1}", path, e.Message);
            }
        }

        return !Log.HasLoggedErrors;
    }

    private void Patch(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 0x40 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("not a little-endian ELF64 file");
        }

        ulong shoff = ReadU64(elf, 0x28);
        ushort shentsize = ReadU16(elf, 0x3A);
        ushort shnum = ReadU16(elf, 0x3C);
        if (shentsize < 64 || shoff + (ulong)shentsize * shnum > (ulong)elf.Length)
        {
            throw new InvalidDataException("section header table out of bounds");
        }

        int matched = 0;
        int changed = 0;
        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)shoff + s * shentsize);
            if (ReadU32(elf, sh + 4) != ShtGnuVerneed)
            {
                continue;
            }

            int verneed = checked((int)ReadU64(elf, sh + 0x18));
            int verneedSize = checked((int)ReadU64(elf, sh + 0x20));
            int count = (int)ReadU32(elf, sh + 0x2C);
            int strtabIndex = (int)ReadU32(elf, sh + 0x28);
            if (strtabIndex >= shnum || verneed + verneedSize > elf.Length)
            {
                throw new InvalidDataException(".gnu.version_r or its string table out of bounds");
            }

            int strtabHeader = checked((int)shoff + strtabIndex * shentsize);
            int strtab = checked((int)ReadU64(elf, strtabHeader + 0x18));
            int strtabSize = checked((int)ReadU64(elf, strtabHeader + 0x20));

            // Walk the Verneed chain (one entry per needed library) and each entry's Vernaux chain
            // (one per version of that library); offsets are relative to the current entry.
            int need = verneed;
            for (int n = 0; n < count; n++)
            {
                ushort auxCount = ReadU16(elf, need + 2);
                int aux = need + (int)ReadU32(elf, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    if (aux < verneed || aux + 16 > verneed + verneedSize)
                    {
                        throw new InvalidDataException("Vernaux entry out of bounds");
                    }

                    string name = ReadString(elf, strtab, strtabSize, (int)ReadU32(elf, aux + 8));
                    if (name == VersionName)
                    {
                        matched++;
                        ushort flags = ReadU16(elf, aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            ushort weak = (ushort)(flags | VerFlgWeak);
                            elf[aux + 4] = (byte)weak;
                            elf[aux + 5] = (byte)(weak >> 8);
                            changed++;
                        }
                    }

                    aux += (int)ReadU32(elf, aux + 12);
                }

                need += (int)ReadU32(elf, need + 12);
            }
        }

        if (matched == 0)
        {
            Log.LogMessage(MessageImportance.Normal, "MarkElfVersionNeedWeak: {0} needs no {1}", path, VersionName);
            return;
        }

        if (changed == 0)
        {
            Log.LogMessage(MessageImportance.Low, "MarkElfVersionNeedWeak: {0} already has {1} weak", path, VersionName);
            return;
        }

        // Write a new file and move it over the old one, so a hard link into the NuGet cache is never modified.
        // Keeping the copied file's timestamp lets the next incremental build's copy step (same size, same time)
        // skip it instead of copying the unpatched library again.
        DateTime copiedAt = File.GetLastWriteTimeUtc(path);
        string temporary = path + ".weak-tmp";
        File.WriteAllBytes(temporary, elf);
        File.Delete(path);
        File.Move(temporary, path);
        File.SetLastWriteTimeUtc(path, copiedAt);
        Log.LogMessage(MessageImportance.High, "MarkElfVersionNeedWeak: marked {0} weak in {1}", VersionName, path);
    }

    // Task assemblies compile against netstandard, so the little-endian reads are spelled out.
    private static ushort ReadU16(byte[] b, int at) => (ushort)(b[at] | (b[at + 1] << 8));

    private static uint ReadU32(byte[] b, int at) => (uint)ReadU16(b, at) | ((uint)ReadU16(b, at + 2) << 16);

    private static ulong ReadU64(byte[] b, int at) => (ulong)ReadU32(b, at) | ((ulong)ReadU32(b, at + 4) << 32);

    private static string ReadString(byte[] b, int strtab, int strtabSize, int offset)
    {
        if (offset < 0 || offset >= strtabSize)
        {
            throw new InvalidDataException("string offset outside .dynstr");
        }

        int start = strtab + offset;
        int end = Array.IndexOf(b, (byte)0, start, strtab + strtabSize - start);
        if (end < 0)
        {
            throw new InvalidDataException("unterminated string in .dynstr");
        }

        return Encoding.ASCII.GetString(b, start, end - start);
    }
}
