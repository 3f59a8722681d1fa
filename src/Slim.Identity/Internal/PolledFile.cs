namespace Slim.Identity.Internal;

/// <summary>
/// A file re-read when it changes, checked at most once per interval of an injected clock: a stat (modification
/// time and length) decides whether to read it again. Polling on use keeps it deterministic in tests and needs no
/// file-system watcher thread.
/// </summary>
internal sealed class PolledFile
{
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private DateTimeOffset _lastCheck;
    private (DateTime Modified, long Length) _stamp;
    private string _content;

    /// <summary>Reads the file a first time.</summary>
    /// <exception cref="IOException">The file cannot be read (also <see cref="UnauthorizedAccessException"/>).</exception>
    public PolledFile(string path, TimeSpan interval, TimeProvider time)
    {
        Path = path;
        _interval = interval;
        _time = time;
        _stamp = Stamp(path);
        _content = File.ReadAllText(path);
        _lastCheck = time.GetUtcNow();
    }

    public string Path { get; }

    public string Content
    {
        get
        {
            lock (_gate)
            {
                return _content;
            }
        }
    }

    /// <summary>
    /// When the interval has passed since the last check and the file changed, reads it and returns true with its
    /// new content; a read failure returns true with <paramref name="error"/> set (and the old content kept).
    /// </summary>
    public bool TryReadChanged(out string? content, out string? error)
    {
        content = null;
        error = null;
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (now - _lastCheck < _interval)
            {
                return false;
            }

            _lastCheck = now;
            try
            {
                var stamp = Stamp(Path);
                if (stamp == _stamp)
                {
                    return false;
                }

                var text = File.ReadAllText(Path);
                _stamp = stamp;
                if (text == _content)
                {
                    return false;
                }

                content = text;
                return true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error = ex.Message;
                return true;
            }
        }
    }

    /// <summary>Makes <paramref name="content"/> the current content (after the caller accepted it).</summary>
    public void Accept(string content)
    {
        lock (_gate)
        {
            _content = content;
        }
    }

    private static (DateTime, long) Stamp(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException("The file does not exist.", path);
        }

        return (info.LastWriteTimeUtc, info.Length);
    }
}
