namespace Slim.Testing;

/// <summary>Locates the read-only reference material (`../shared` beside the repository root).</summary>
public static class SharedReference
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>Absolute path of the shared folder.</summary>
    public static string Directory => Root.Value;

    /// <summary>Absolute path of a file under the shared folder.</summary>
    public static string File(params string[] parts) => Path.Combine([Root.Value, .. parts]);

    /// <summary>The repository root (the folder holding Slim.slnx).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Slim.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Slim.slnx not found above {AppContext.BaseDirectory}.");
    }

    private static string FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("SLIM_SHARED_DIR");
        if (!string.IsNullOrEmpty(env) && System.IO.Directory.Exists(env))
        {
            return Path.GetFullPath(env);
        }

        var candidate = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));
        return System.IO.Directory.Exists(candidate)
            ? candidate
            : throw new InvalidOperationException(
                $"The shared reference folder was not found at {candidate}; set SLIM_SHARED_DIR to its path.");
    }
}
