namespace Slim.Node.Tests;

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("slim-node-tests-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
