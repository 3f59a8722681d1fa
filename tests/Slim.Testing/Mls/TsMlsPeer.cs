using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Slim.Testing.Mls;

/// <summary>
/// Drives the ts-mls peer (<c>tests/mls-interop/peer.mjs</c>, an independent MLS implementation) over its JSON-lines
/// protocol: one request per line on stdin, one response per line on stdout. Calls are serialized.
/// </summary>
public sealed class TsMlsPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly StringBuilder _stderr = new();
    private int _nextId;

    private TsMlsPeer(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
    }

    /// <summary>The folder of the Node script and its lock file.</summary>
    public static string ScriptDirectory => Path.Combine(SharedReference.RepositoryRoot, "tests", "mls-interop");

    /// <summary>True when the pinned npm dependencies of <see cref="ScriptDirectory"/> (ts-mls and its crypto) are installed.</summary>
    public static bool IsInstalled => NpmDependencies.IsInstalled(ScriptDirectory);

    /// <summary>Starts <c>node peer.mjs</c>, installing ts-mls first (<c>npm ci</c>) when it is not installed.</summary>
    /// <exception cref="NpmInstallException">ts-mls is not installed and could not be.</exception>
    public static TsMlsPeer Start()
    {
        NpmDependencies.EnsureInstalled(ScriptDirectory);

        var info = new ProcessStartInfo("node", "peer.mjs")
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("node did not start.");
        return new TsMlsPeer(process);
    }

    /// <summary>Sends one request and returns the response; throws when the peer reports an error.</summary>
    public async Task<JsonElement> CallAsync(string op, object? arguments = null, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var request = arguments is null ? new JsonObject() : JsonSerializer.SerializeToNode(arguments)!.AsObject();
            var id = ++_nextId;
            request["id"] = id;
            request["op"] = op;
            await _process.StandardInput.WriteLineAsync(request.ToJsonString().AsMemory(), cancellationToken).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            var line = await _process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                string errors;
                lock (_stderr)
                {
                    errors = _stderr.ToString();
                }

                throw new InvalidOperationException($"The ts-mls peer exited: {errors}");
            }

            var response = JsonDocument.Parse(line).RootElement.Clone();
            if (!response.GetProperty("ok").GetBoolean())
            {
                throw new InvalidOperationException($"ts-mls {op} failed: {response.GetProperty("error").GetString()}");
            }

            return response;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes stdin and waits for the peer to exit (killing it after 5 s).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
            _gate.Dispose();
        }
    }
}

/// <summary>Hex helpers for <see cref="TsMlsPeer"/> responses.</summary>
public static class TsMlsJson
{
    /// <summary>The bytes of a hex string property.</summary>
    public static byte[] HexBytes(this JsonElement element, string property) => Convert.FromHexString(element.GetProperty(property).GetString()!);

    /// <summary>Lowercase hex of <paramref name="bytes"/>.</summary>
    public static string ToHex(this ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    /// <summary>Lowercase hex of <paramref name="bytes"/>.</summary>
    public static string ToHex(this byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
