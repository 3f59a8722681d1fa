using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Slim.Testing.Interop;

/// <summary>
/// Entry point to the official SLIM package (npm <c>@agntcy/slim-bindings@2.0.0-alpha.5</c>) as used by the interop
/// tests: finds the harness folder <c>tests/interop</c>, checks that Node.js and the pinned package are there (running
/// <c>npm ci</c> once if <c>node_modules</c> is missing), and starts official nodes and apps as child processes.
/// </summary>
public sealed class OfficialSlim
{
    /// <summary>The npm package that carries the official SLIM core.</summary>
    public const string PackageName = "@agntcy/slim-bindings";

    /// <summary>The version the harness pins (core 2.0.0-alpha.8 on the wire).</summary>
    public const string PackageVersion = "2.0.0-alpha.5";

    /// <summary>Oldest Node.js major version the package supports.</summary>
    public const int MinimumNodeMajorVersion = 18;

    private static readonly SemaphoreSlim InitGate = new(1, 1);
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(10);
    private static OfficialSlim? _instance;
    private static Exception? _initFailure;

    private OfficialSlim(string harnessDirectory, string nodeExecutable, string nodeVersion)
    {
        HarnessDirectory = harnessDirectory;
        NodeExecutable = nodeExecutable;
        NodeVersion = nodeVersion;
    }

    /// <summary>Absolute path of <c>tests/interop</c>.</summary>
    public string HarnessDirectory { get; }

    /// <summary>The <c>node</c> executable used to run the harness scripts.</summary>
    public string NodeExecutable { get; }

    /// <summary>Its version, e.g. <c>v20.20.2</c>.</summary>
    public string NodeVersion { get; }

    /// <summary>Bound on one harness command (and on process start-up). <c>SLIM_INTEROP_COMMAND_TIMEOUT_SECONDS</c> overrides it.</summary>
    public static TimeSpan CommandTimeout { get; } = TimeSpan.FromSeconds(
        double.TryParse(
            Environment.GetEnvironmentVariable("SLIM_INTEROP_COMMAND_TIMEOUT_SECONDS"),
            NumberStyles.Float,
            CultureInfo.InvariantCulture,
            out var seconds)
            ? seconds
            : 15);

    /// <summary>
    /// The checked environment, shared by the whole test process. The first call may run <c>npm ci</c>; a failure is
    /// remembered and reported again to every later caller.
    /// </summary>
    public static async Task<OfficialSlim> GetAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _instance) is { } ready)
        {
            return ready;
        }

        await InitGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initFailure is not null)
            {
                throw new InteropHarnessException(_initFailure.Message, _initFailure);
            }

            if (_instance is null)
            {
                try
                {
                    _instance = await Task.Run(Create, cancellationToken).ConfigureAwait(false);
                }
                catch (InteropHarnessException ex)
                {
                    _initFailure = ex;
                    throw;
                }
            }

            return _instance;
        }
        finally
        {
            InitGate.Release();
        }
    }

    /// <summary>Starts an official node on a free loopback port (retrying with another port if it was taken meanwhile).</summary>
    public async Task<OfficialNode> StartNodeAsync(OfficialNodeMode mode, CancellationToken cancellationToken = default)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartNodeAsync(mode, LoopbackPort.GetFree(), cancellationToken).ConfigureAwait(false);
            }
            catch (InteropHarnessException ex) when (attempt < attempts && ex.Message.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                // Another process took the port between our probe and the node's bind: try another one.
            }
        }
    }

    /// <summary>Starts an official node on 127.0.0.1:<paramref name="port"/>; fails if it cannot serve there.</summary>
    public Task<OfficialNode> StartNodeAsync(OfficialNodeMode mode, int port, CancellationToken cancellationToken = default) =>
        OfficialNode.StartAsync(this, mode, port, cancellationToken);

    /// <summary>
    /// Starts an official app process and creates the app <paramref name="name"/> (<c>"org/ns/app"</c>) with a
    /// shared-secret identity (the secret must be at least 32 bytes). Connect and subscribe it next.
    /// </summary>
    public Task<OfficialApp> StartAppAsync(string name, string sharedSecret, CancellationToken cancellationToken = default) =>
        OfficialApp.StartAsync(this, name, sharedSecret, cancellationToken);

    private static OfficialSlim Create()
    {
        var harness = Path.Combine(SharedReference.RepositoryRoot, "tests", "interop");
        if (!File.Exists(Path.Combine(harness, "app.mjs")) || !File.Exists(Path.Combine(harness, "package-lock.json")))
        {
            throw new InteropHarnessException($"The interop harness was not found at {harness} (app.mjs, package-lock.json).");
        }

        var node = Environment.GetEnvironmentVariable("SLIM_INTEROP_NODE") is { Length: > 0 } configured
            ? configured
            : FindOnPath("node") ?? throw new InteropHarnessException(
                "Node.js was not found on PATH; the interop tests need Node.js 20 (set SLIM_INTEROP_NODE to its path).");
        var version = Run(node, ["--version"], harness, TimeSpan.FromSeconds(30));
        if (version.ExitCode != 0)
        {
            throw new InteropHarnessException($"{node} --version failed ({version.ExitCode}): {version.Output}");
        }

        var nodeVersion = version.Output.Trim();
        if (!int.TryParse(nodeVersion.TrimStart('v').Split('.')[0], CultureInfo.InvariantCulture, out var major) ||
            major < MinimumNodeMajorVersion)
        {
            throw new InteropHarnessException(
                $"{node} is {nodeVersion}; {PackageName} needs Node.js {MinimumNodeMajorVersion} or later (20 recommended).");
        }

        EnsurePackageInstalled(harness, node);
        return new OfficialSlim(harness, node, nodeVersion);
    }

    private static void EnsurePackageInstalled(string harness, string node)
    {
        if (InstalledVersion(harness) == PackageVersion)
        {
            return;
        }

        // Several test processes may get here at once (test projects run in parallel): one installs, the others wait.
        var lockPath = Path.Combine(Path.GetTempPath(), "slim-interop-npm-ci.lock");
        using var installLock = AcquireFileLock(lockPath, InstallTimeout);
        if (InstalledVersion(harness) == PackageVersion)
        {
            return;
        }

        var npm = FindNextTo(node, "npm") ?? FindOnPath("npm") ?? throw new InteropHarnessException(
            $"{PackageName} is not installed in {harness} and npm was not found to install it; run `npm ci` there.");
        var install = Run(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], harness, InstallTimeout);
        if (install.ExitCode != 0 || InstalledVersion(harness) != PackageVersion)
        {
            throw new InteropHarnessException(
                $"`npm ci` in {harness} failed (exit code {install.ExitCode}); the interop tests need {PackageName}@{PackageVersion} " +
                $"from the npm registry.{Environment.NewLine}{Tail(install.Output, 40)}");
        }
    }

    private static string? InstalledVersion(string harness)
    {
        var manifest = Path.Combine(harness, "node_modules", "@agntcy", "slim-bindings", "package.json");
        if (!File.Exists(manifest))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(manifest));
            return document.RootElement.TryGetProperty("version", out var v) ? v.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static FileStream AcquireFileLock(string path, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (deadline.Elapsed < timeout)
            {
                Thread.Sleep(200);
            }
        }
    }

    private static string? FindOnPath(string executable)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            if (directory.Length > 0 && FindNextTo(Path.Combine(directory, executable), executable) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static string? FindNextTo(string sibling, string executable)
    {
        var directory = Path.GetDirectoryName(sibling);
        if (string.IsNullOrEmpty(directory))
        {
            return null;
        }

        var candidate = Path.Combine(directory, executable);
        return File.Exists(candidate) ? candidate : null;
    }

    private static (int ExitCode, string Output) Run(string file, string[] arguments, string directory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InteropHarnessException($"Could not run {file}: {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new InteropHarnessException(
                $"{file} {string.Join(' ', arguments)} did not finish within {timeout.TotalMinutes:0.#} min.{Environment.NewLine}{Tail(Snapshot(output), 40)}");
        }

        process.WaitForExit(); // flushes the asynchronous output readers
        return (process.ExitCode, Snapshot(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static string Tail(string text, int lines)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}
