using System;
using System.Runtime.InteropServices;

namespace BertGen.Runtime.Distributed;

/// <summary>
/// The C functions and predefined handles of Open MPI's <c>libmpi</c> that data-parallel training uses, bound with
/// <see cref="LibraryImportAttribute"/> (no reflection, no run-time marshalling code: native AOT safe). Open MPI's
/// handles are pointers: <c>MPI_Comm</c>, <c>MPI_Datatype</c>, <c>MPI_Op</c>, <c>MPI_Errhandler</c> and
/// <c>MPI_Request</c> are addresses, and the predefined ones (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, …)
/// are the addresses of exported globals (<c>ompi_mpi_comm_world</c>, …), found with
/// <see cref="NativeLibrary.GetExport"/>. MPICH and MS-MPI use integer handles instead: this binding is Open MPI's only.
/// </summary>
/// <remarks>
/// <c>libmpi</c> loads its transports as plugins that expect libmpi's own symbols to be global, so it is opened with
/// <c>dlopen(RTLD_NOW | RTLD_GLOBAL)</c> before the first call; the imports below then bind to that same library
/// (the dynamic loader finds an already-loaded object by its soname).
/// </remarks>
internal static unsafe partial class OpenMpiLibrary
{
    /// <summary>The soname of Open MPI 4.x and 5.x's C library.</summary>
    public const string Name = "libmpi.so.40";

    /// <summary>Overrides where libmpi is loaded from (a full path), for an Open MPI outside the loader's search path.</summary>
    public const string PathVariable = "BERTGEN_LIBMPI";

    // mpi.h values, the same in Open MPI 4.x and 5.x.
    public const int Success = 0;
    public const int ThreadSerialized = 2;
    public const int MaxErrorString = 256;
    public static readonly void* InPlace = (void*)1;

    private const int RtldNow = 0x2, RtldGlobal = 0x100;
    private static nint _handle;

    /// <summary>MPI_COMM_WORLD, MPI_FLOAT, MPI_DOUBLE, MPI_BYTE, MPI_SUM and MPI_ERRORS_RETURN, valid after <see cref="Load"/>.</summary>
    public static nint CommWorld, FloatType, DoubleType, ByteType, Sum, ErrorsReturn;

    /// <summary>Opens libmpi globally and resolves the predefined handles; throws <see cref="DataParallelException"/> naming what is missing.</summary>
    public static void Load()
    {
        if (_handle != 0)
        {
            return;
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new DataParallelException("data-parallel training runs on Open MPI under Linux only");
        }

        string library = Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? path : Name;
        if (!NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "dlopen", out nint dlopenAddress))
        {
            throw new DataParallelException("this process has no dlopen to load Open MPI with");
        }

        var dlopen = (delegate* unmanaged<byte*, int, nint>)dlopenAddress;
        nint handle;
        fixed (byte* name = System.Text.Encoding.UTF8.GetBytes(library + "\0"))
        {
            handle = dlopen(name, RtldNow | RtldGlobal);
        }

        if (handle == 0)
        {
            throw new DataParallelException($"Open MPI's {library} could not be loaded: install Open MPI 4 or newer (Debian: apt-get install openmpi-bin), or set {PathVariable} to its libmpi.so");
        }

        CommWorld = Export(handle, "ompi_mpi_comm_world");
        FloatType = Export(handle, "ompi_mpi_float");
        DoubleType = Export(handle, "ompi_mpi_double");
        ByteType = Export(handle, "ompi_mpi_byte");
        Sum = Export(handle, "ompi_mpi_op_sum");
        ErrorsReturn = Export(handle, "ompi_mpi_errors_return");
        _handle = handle;
    }

    /// <summary>Open MPI's text for an error code (MPI_Error_string), or the number when it has none.</summary>
    public static string ErrorText(int code)
    {
        byte* text = stackalloc byte[MaxErrorString];
        int length = 0;
        return MPI_Error_string(code, text, &length) == Success && length > 0
            ? System.Text.Encoding.UTF8.GetString(text, length)
            : "MPI error " + code;
    }

    private static nint Export(nint handle, string symbol) =>
        NativeLibrary.TryGetExport(handle, symbol, out nint address)
            ? address
            : throw new DataParallelException($"the loaded libmpi has no '{symbol}': it is not Open MPI (MPICH and MS-MPI are not supported)");

    [LibraryImport(Name)]
    public static partial int MPI_Init_thread(int* argc, byte*** argv, int required, int* provided);

    [LibraryImport(Name)]
    public static partial int MPI_Initialized(int* flag);

    [LibraryImport(Name)]
    public static partial int MPI_Finalized(int* flag);

    [LibraryImport(Name)]
    public static partial int MPI_Finalize();

    [LibraryImport(Name)]
    public static partial int MPI_Abort(nint comm, int errorCode);

    [LibraryImport(Name)]
    public static partial int MPI_Comm_rank(nint comm, int* rank);

    [LibraryImport(Name)]
    public static partial int MPI_Comm_size(nint comm, int* size);

    [LibraryImport(Name)]
    public static partial int MPI_Comm_set_errhandler(nint comm, nint errorHandler);

    [LibraryImport(Name)]
    public static partial int MPI_Error_string(int errorCode, byte* text, int* length);

    [LibraryImport(Name)]
    public static partial int MPI_Get_processor_name(byte* name, int* length);

    [LibraryImport(Name)]
    public static partial int MPI_Barrier(nint comm);

    [LibraryImport(Name)]
    public static partial int MPI_Bcast(void* buffer, int count, nint datatype, int root, nint comm);

    [LibraryImport(Name)]
    public static partial int MPI_Allreduce(void* send, void* receive, int count, nint datatype, nint op, nint comm);

    [LibraryImport(Name)]
    public static partial int MPI_Iallreduce(void* send, void* receive, int count, nint datatype, nint op, nint comm, nint* request);

    [LibraryImport(Name)]
    public static partial int MPI_Testall(int count, nint* requests, int* flag, void* statuses);

    [LibraryImport(Name)]
    public static partial int MPI_Waitall(int count, nint* requests, void* statuses);

    [LibraryImport(Name)]
    public static partial int MPI_Reduce_scatter(void* send, void* receive, int* receiveCounts, nint datatype, nint op, nint comm);

    [LibraryImport(Name)]
    public static partial int MPI_Allgatherv(void* send, int sendCount, nint sendType, void* receive, int* receiveCounts, int* displacements, nint receiveType, nint comm);

    [LibraryImport(Name)]
    public static partial int MPI_Gatherv(void* send, int sendCount, nint sendType, void* receive, int* receiveCounts, int* displacements, nint receiveType, int root, nint comm);

    [LibraryImport(Name)]
    public static partial int MPI_Scatterv(void* send, int* sendCounts, int* displacements, nint sendType, void* receive, int receiveCount, nint receiveType, int root, nint comm);
}
