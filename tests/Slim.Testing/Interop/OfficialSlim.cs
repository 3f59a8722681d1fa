using System.Globalization;

namespace Slim.Testing.Interop;

/// <summary>
/// Entry point to the official SLIM package (npm <c>@agntcy/slim-bindings@2.0.0-alpha.5</c>) as used by the interop
/// tests: finds the harness folder <c>tests/interop</c>, checks that Node.js and the pinned package are there (installing
/// it with <see cref="NpmDependencies"/> when it is not), and starts official nodes and apps as child processes.
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
            : NpmDependencies.FindOnPath("node") ?? throw new InteropHarnessException(
                "Node.js was not found on PATH; the interop tests need Node.js 20 (set SLIM_INTEROP_NODE to its path).");
        (int ExitCode, string Output) version;
        try
        {
            version = NpmDependencies.Run(node, ["--version"], harness, TimeSpan.FromSeconds(30));
        }
        catch (NpmInstallException ex)
        {
            throw new InteropHarnessException(ex.Message, ex);
        }

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
        try
        {
            NpmDependencies.EnsureInstalled(harness, node);
        }
        catch (NpmInstallException ex)
        {
            throw new InteropHarnessException($"The interop tests need {PackageName}@{PackageVersion}: {ex.Message}", ex);
        }
    }
}
