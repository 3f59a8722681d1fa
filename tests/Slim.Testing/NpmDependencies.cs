using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Slim.Testing;

/// <summary>
/// The npm dependencies of a Node.js harness folder of this repository (<c>tests/interop</c>, <c>tests/mls-interop</c>):
/// installed on demand with <c>npm ci</c> from the folder's lock file, so the tests need no manual step on a fresh machine.
/// </summary>
/// <remarks>
/// A folder counts as installed when every entry of its <c>package.json</c> <c>dependencies</c> (pinned to exact
/// versions) is in <c>node_modules</c> at that version. Test processes run in parallel: the install runs under a file
/// lock in the temp folder (one per harness folder), and whoever gets the lock second finds the work done. The outcome
/// is remembered for the process, so a failed install is reported again at once to every later caller.
/// </remarks>
public static class NpmDependencies
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(10);
    private static readonly ConcurrentDictionary<string, Lazy<NpmInstallException?>> Outcomes = new(StringComparer.Ordinal);

    /// <summary>True when every pinned dependency of <paramref name="directory"/> is installed at its version.</summary>
    public static bool IsInstalled(string directory) => Missing(directory).Count == 0;

    /// <summary>
    /// Runs <c>npm ci</c> in <paramref name="directory"/> unless its dependencies are already installed. Blocks while
    /// another process installs the same folder.
    /// </summary>
    /// <param name="directory">A folder holding <c>package.json</c> and <c>package-lock.json</c>.</param>
    /// <param name="nodeExecutable">
    /// The <c>node</c> the harness runs with: <c>npm</c> is looked for next to it first, then on <c>PATH</c>.
    /// </param>
    /// <exception cref="NpmInstallException">npm is missing, <c>npm ci</c> failed or timed out, or left a dependency out; the message says which and shows npm's output.</exception>
    public static void EnsureInstalled(string directory, string? nodeExecutable = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var fullPath = Path.GetFullPath(directory);
        var failure = Outcomes.GetOrAdd(fullPath, path => new Lazy<NpmInstallException?>(() => Install(path, nodeExecutable))).Value;
        if (failure is not null)
        {
            throw new NpmInstallException(failure.Message, failure);
        }
    }

    private static NpmInstallException? Install(string directory, string? nodeExecutable)
    {
        try
        {
            if (IsInstalled(directory))
            {
                return null;
            }

            using var installLock = AcquireFileLock(LockPath(directory), InstallTimeout);
            if (IsInstalled(directory))
            {
                return null; // another process installed it while we waited
            }

            var npm = (nodeExecutable is null ? null : FindNextTo(nodeExecutable, "npm")) ?? FindOnPath("npm")
                ?? throw new NpmInstallException(
                    $"The npm dependencies of {directory} are not installed ({string.Join(", ", Missing(directory))}) and npm was not found " +
                    "to install them: install Node.js with npm, or run `npm ci` there.");
            var (exitCode, output) = Run(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], directory, InstallTimeout);
            var missing = Missing(directory);
            if (exitCode != 0 || missing.Count > 0)
            {
                throw new NpmInstallException(
                    $"`npm ci` in {directory} failed (exit code {exitCode}; missing: {(missing.Count == 0 ? "nothing" : string.Join(", ", missing))}). " +
                    $"It installs the versions pinned in package-lock.json from the npm registry.{Environment.NewLine}{Tail(output, 40)}");
            }

            return null;
        }
        catch (NpmInstallException ex)
        {
            return ex;
        }
    }

    /// <summary>The pinned dependencies of <paramref name="directory"/> that are absent or at another version, as <c>name@version</c>.</summary>
    private static List<string> Missing(string directory)
    {
        var manifest = Path.Combine(directory, "package.json");
        if (!File.Exists(manifest) || !File.Exists(Path.Combine(directory, "package-lock.json")))
        {
            throw new NpmInstallException($"{directory} has no package.json and package-lock.json to install from.");
        }

        var missing = new List<string>();
        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        if (document.RootElement.TryGetProperty("dependencies", out var dependencies))
        {
            foreach (var dependency in dependencies.EnumerateObject())
            {
                var wanted = dependency.Value.GetString();
                if (InstalledVersion(directory, dependency.Name) != wanted)
                {
                    missing.Add($"{dependency.Name}@{wanted}");
                }
            }
        }

        return missing;
    }

    private static string? InstalledVersion(string directory, string package)
    {
        var manifest = Path.Combine([directory, "node_modules", .. package.Split('/'), "package.json"]);
        if (!File.Exists(manifest))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(manifest));
            return document.RootElement.TryGetProperty("version", out var version) ? version.GetString() : null;
        }
        catch (JsonException)
        {
            return null; // a half-written install: npm ci replaces it
        }
    }

    private static string LockPath(string directory)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(directory)), 0, 8);
        return Path.Combine(Path.GetTempPath(), $"slim-npm-ci-{Path.GetFileName(directory)}-{hash}.lock");
    }

    /// <summary>An exclusive lock between processes (the file is opened without sharing), polled until <paramref name="timeout"/>.</summary>
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
            catch (IOException ex)
            {
                throw new NpmInstallException($"Another process held {path} (an npm install) for more than {timeout.TotalMinutes:0} min.", ex);
            }
        }
    }

    /// <summary>The first <paramref name="executable"/> on <c>PATH</c>.</summary>
    internal static string? FindOnPath(string executable)
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

    /// <summary>Runs a program to its end (killed after <paramref name="timeout"/>), with its stdout and stderr as one text.</summary>
    /// <exception cref="NpmInstallException">It could not be started, or did not finish in time.</exception>
    internal static (int ExitCode, string Output) Run(string file, string[] arguments, string directory, TimeSpan timeout)
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
            throw new NpmInstallException($"Could not run {file}: {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new NpmInstallException(
                $"{file} {string.Join(' ', arguments)} in {directory} did not finish within {timeout.TotalMinutes:0.#} min." +
                $"{Environment.NewLine}{Tail(Snapshot(output), 40)}");
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

/// <summary>The npm dependencies of a harness folder could not be installed; the message says why.</summary>
public sealed class NpmInstallException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NpmInstallException()
    {
    }

    /// <summary>Creates the exception with its message.</summary>
    public NpmInstallException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    public NpmInstallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
