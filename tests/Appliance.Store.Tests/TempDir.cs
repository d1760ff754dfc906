namespace Appliance.Store.Tests;

/// <summary>A scratch directory removed at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("appliance-test-").FullName;
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}
