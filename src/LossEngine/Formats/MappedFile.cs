using System.IO.MemoryMappedFiles;

namespace LossEngine.Formats;

/// <summary>A read-only memory mapping of a whole file, with its base address. The file is never loaded whole: the OS
/// pages it in as rows are read, so files larger than RAM work.</summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle? _handle;
    private bool _acquired;

    public MappedFile(string path)
    {
        Path = path;
        if (!File.Exists(path))
        {
            throw new DumpFormatException($"{path}: no such file.");
        }

        // The length comes from the open handle, not the path: that follows a symbolic link to its target (FileInfo
        // reports the link's own length) and describes the very file that is mapped.
        long length;
        try
        {
            _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            length = RandomAccess.GetLength(_handle);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            _handle?.Dispose();
            throw new DumpFormatException($"{path}: cannot be read: {error.Message}", error);
        }

        Length = length;
        if (length == 0)
        {
            return;
        }

        _file = MemoryMappedFile.CreateFromFile(_handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _acquired = true;
        Base = pointer + _view.PointerOffset;
    }

    public string Path { get; }

    public long Length { get; }

    public byte* Base { get; }

    /// <summary>
    /// Checks that the file still has the length it had when it was mapped. Reading a mapped page past the end of a file
    /// that another process truncated raises SIGBUS, which .NET cannot catch: the process would abort. So the readers
    /// call this before each batch of rows (one fstat per ~16 MiB), and a truncated file ends the run with a clear error.
    /// A truncation in the milliseconds while one batch is being read is not caught; a file replaced by a rename is
    /// safe, since the mapping keeps the old contents.
    /// </summary>
    /// <exception cref="DumpFormatException">The file is shorter than when it was opened.</exception>
    public void CheckLength()
    {
        if (_handle is null)
        {
            return;
        }

        long now = RandomAccess.GetLength(_handle);
        if (now < Length)
        {
            throw new DumpFormatException($"{Path}: the file shrank from {Length} to {now} bytes while it was being read; another process truncated it.");
        }
    }

    public void Dispose()
    {
        if (_acquired)
        {
            _view!.SafeMemoryMappedViewHandle.ReleasePointer();
            _acquired = false;
        }

        _view?.Dispose();
        _file?.Dispose();
        _handle?.Dispose();
    }
}
