namespace Slim.Testing.Interop.Internal;

/// <summary>
/// An append-only log of items that tests can wait on. A waiter either peeks (sees every matching item, old or new) or
/// consumes (gets the first matching item no other consuming waiter got), so "wait for the next message saying X" works
/// even when the same text arrives twice. Once failed (the process behind it died), waits that find nothing fail at once.
/// </summary>
internal sealed class Mailbox<T>
    where T : class
{
    private readonly object _gate = new();
    private readonly List<T> _items = [];
    private readonly List<bool> _taken = [];
    private readonly List<Waiter> _waiters = [];
    private Exception? _failure;

    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }

    public void Add(T item)
    {
        List<(Waiter Waiter, T Item)> completions = [];
        lock (_gate)
        {
            _items.Add(item);
            var taken = false;
            for (var i = 0; i < _waiters.Count; i++)
            {
                var w = _waiters[i];
                if ((w.Consume && taken) || !w.Match(item))
                {
                    continue;
                }

                taken |= w.Consume;
                completions.Add((w, item));
                _waiters.RemoveAt(i--);
            }

            _taken.Add(taken);
        }

        foreach (var (waiter, value) in completions)
        {
            waiter.Completion.TrySetResult(value);
        }
    }

    public void Fail(Exception failure)
    {
        List<Waiter> failed;
        lock (_gate)
        {
            _failure ??= failure;
            failed = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var w in failed)
        {
            w.Completion.TrySetException(failure);
        }
    }

    /// <summary>Waits for a matching item; throws <see cref="TimeoutException"/> with <paramref name="describe"/>'s text.</summary>
    public async Task<T> WaitAsync(
        Func<T, bool> match,
        bool consume,
        TimeSpan timeout,
        string what,
        Func<string> describe,
        CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_gate)
        {
            for (var i = 0; i < _items.Count; i++)
            {
                if ((consume && _taken[i]) || !match(_items[i]))
                {
                    continue;
                }

                if (consume)
                {
                    _taken[i] = true;
                }

                return _items[i];
            }

            if (_failure is not null)
            {
                throw new InteropHarnessException($"{what}: it can no longer happen. {_failure.Message}", _failure);
            }

            waiter = new Waiter(match, consume);
            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }

            if (waiter.Completion.Task.IsCompletedSuccessfully)
            {
                return waiter.Completion.Task.Result;
            }

            throw new TimeoutException($"{what}: nothing within {timeout.TotalSeconds:0.###} s.{Environment.NewLine}{describe()}");
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }

            throw;
        }
        catch (InteropHarnessException ex)
        {
            throw new InteropHarnessException($"{what}: it can no longer happen. {ex.Message}", ex);
        }
    }

    private sealed class Waiter(Func<T, bool> match, bool consume)
    {
        public Func<T, bool> Match { get; } = match;

        public bool Consume { get; } = consume;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
