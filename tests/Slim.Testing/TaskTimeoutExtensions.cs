namespace Slim.Testing;

/// <summary>
/// Every await in a test goes through one of these, so a broken test fails with a clear message instead of hanging.
/// </summary>
public static class TaskTimeoutExtensions
{
    /// <summary>Default bound for a single awaited step in a test.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("SLIM_TEST_TIMEOUT_SECONDS"), out var s) ? s : 20);

    public static async Task WithTimeout(this Task task, TimeSpan? timeout = null, string? what = null)
    {
        var limit = timeout ?? DefaultTimeout;
        try
        {
            await task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            // Only our own limit is rewritten; a TimeoutException thrown by the task itself keeps its message.
            throw new TimeoutException($"{what ?? "operation"} did not complete within {limit.TotalSeconds:0.#} s.");
        }
    }

    public static async Task<T> WithTimeout<T>(this Task<T> task, TimeSpan? timeout = null, string? what = null)
    {
        var limit = timeout ?? DefaultTimeout;
        try
        {
            return await task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            // Only our own limit is rewritten; a TimeoutException thrown by the task itself keeps its message.
            throw new TimeoutException($"{what ?? "operation"} did not complete within {limit.TotalSeconds:0.#} s.");
        }
    }

    public static Task WithTimeout(this ValueTask task, TimeSpan? timeout = null, string? what = null) =>
        task.AsTask().WithTimeout(timeout, what);

    public static Task<T> WithTimeout<T>(this ValueTask<T> task, TimeSpan? timeout = null, string? what = null) =>
        task.AsTask().WithTimeout(timeout, what);
}
