using System.IO.MemoryMappedFiles;

namespace LossEngine.Formats;

/// <summary>A read-only memory mapping of a whole file, with its base address. The file is never loaded whole: the OS
/// pages it in as rows are read, so files larger than RAM work.</summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private bool _acquired;

    public MappedFile(string path)
    {
        Path = path;
        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new DumpFormatException($"{path}: cannot be read: {error.Message}", error);
        }

        if (!File.Exists(path))
        {
            throw new DumpFormatException($"{path}: no such file.");
        }

        Length = length;
        if (length == 0)
        {
            return;
        }

        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _acquired = true;
        Base = pointer + _view.PointerOffset;
    }

    public string Path { get; }

    public long Length { get; }

    public byte* Base { get; }

    public void Dispose()
    {
        if (_acquired)
        {
            _view!.SafeMemoryMappedViewHandle.ReleasePointer();
            _acquired = false;
        }

        _view?.Dispose();
        _file?.Dispose();
    }
}
