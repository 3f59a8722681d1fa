using System.Text;
using Slim.Protocol;

namespace Slim.Session.Tests.Fakes;

/// <summary>
/// A stand-in for MLS that models what the session layer relies on: a group with an epoch that each commit advances by
/// one, welcomes that join at the committed epoch, commits that must be applied in order, and "encryption" bound to the
/// epoch and carrying its authenticated data. Not cryptography: the real MLS lives in Slim.Mls.
/// </summary>
internal sealed class FakeGroupSecurityFactory : IGroupSecurityFactory
{
    public List<FakeGroupSecurity> Created { get; } = [];

    public IGroupSecurity Create(GroupSecurityContext context)
    {
        var security = new FakeGroupSecurity(context);
        lock (Created)
        {
            Created.Add(security);
        }

        return security;
    }

    public FakeGroupSecurity For(SlimName localName, uint sessionId)
    {
        lock (Created)
        {
            return Created.Last(s => s.Context.LocalName == localName && s.Context.SessionId == sessionId);
        }
    }
}

internal sealed class FakeGroupSecurity(GroupSecurityContext context) : IGroupSecurity
{
    private string? _group;
    private int _keyPackages;

    public GroupSecurityContext Context { get; } = context;

    public ulong Epoch { get; private set; }

    public bool HasGroup => _group is not null;

    public List<byte[]> EncryptedWithAad { get; } = [];

    public List<ulong> AppliedCommits { get; } = [];

    public bool Disposed { get; private set; }

    public ValueTask CreateGroupAsync(CancellationToken cancellationToken)
    {
        _group = Guid.NewGuid().ToString("N");
        Epoch = 0;
        return ValueTask.CompletedTask;
    }

    public ValueTask<byte[]> CreateKeyPackageAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(Encoding.UTF8.GetBytes($"kp|{Context.Identity.Id}|{++_keyPackages}"));

    public ValueTask<GroupCommit> AddMemberAsync(ReadOnlyMemory<byte> keyPackage, CancellationToken cancellationToken)
    {
        var identity = Encoding.UTF8.GetString(keyPackage.Span).Split('|')[1];
        Epoch++;
        return ValueTask.FromResult(new GroupCommit(Bytes($"commit|{_group}|{Epoch}"), Bytes($"welcome|{_group}|{Epoch}|{identity}"), identity));
    }

    public ValueTask<GroupCommit> RemoveMemberAsync(string memberIdentity, CancellationToken cancellationToken)
    {
        Epoch++;
        return ValueTask.FromResult(new GroupCommit(Bytes($"commit|{_group}|{Epoch}"), [], memberIdentity));
    }

    public ValueTask<GroupCommit> ReAddMemberAsync(string memberIdentity, ReadOnlyMemory<byte> keyPackage, CancellationToken cancellationToken) =>
        AddMemberAsync(keyPackage, cancellationToken);

    public ValueTask JoinAsync(ReadOnlyMemory<byte> welcome, CancellationToken cancellationToken)
    {
        var parts = Encoding.UTF8.GetString(welcome.Span).Split('|');
        if (parts[0] != "welcome" || parts[3] != Context.Identity.Id)
        {
            throw new SlimException(SlimErrorCode.GroupSecurityFailed, "not a welcome for us");
        }

        _group = parts[1];
        Epoch = ulong.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
        return ValueTask.CompletedTask;
    }

    public ValueTask ApplyCommitAsync(ReadOnlyMemory<byte> commit, CancellationToken cancellationToken)
    {
        var parts = Encoding.UTF8.GetString(commit.Span).Split('|');
        var epoch = ulong.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
        if (parts[1] != _group || epoch != Epoch + 1)
        {
            throw new SlimException(SlimErrorCode.GroupSecurityFailed, $"commit for epoch {epoch} while at {Epoch}");
        }

        Epoch = epoch;
        AppliedCommits.Add(epoch);
        return ValueTask.CompletedTask;
    }

    public byte[] Encrypt(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> authenticatedData)
    {
        lock (EncryptedWithAad)
        {
            EncryptedWithAad.Add(authenticatedData.ToArray());
        }

        var output = new byte[8 + 4 + authenticatedData.Length + plaintext.Length];
        BitConverter.TryWriteBytes(output.AsSpan(0, 8), Epoch);
        BitConverter.TryWriteBytes(output.AsSpan(8, 4), authenticatedData.Length);
        authenticatedData.CopyTo(output.AsSpan(12));
        for (var i = 0; i < plaintext.Length; i++)
        {
            output[12 + authenticatedData.Length + i] = (byte)(plaintext[i] ^ 0x5A);
        }

        return output;
    }

    public GroupDecryption Decrypt(ReadOnlySpan<byte> message)
    {
        var epoch = BitConverter.ToUInt64(message[..8]);
        if (epoch != Epoch)
        {
            throw new SlimException(SlimErrorCode.GroupSecurityFailed, $"message of epoch {epoch} while at {Epoch}");
        }

        var aadLength = BitConverter.ToInt32(message.Slice(8, 4));
        var aad = message.Slice(12, aadLength).ToArray();
        var plaintext = message[(12 + aadLength)..].ToArray();
        for (var i = 0; i < plaintext.Length; i++)
        {
            plaintext[i] ^= 0x5A;
        }

        return new GroupDecryption(plaintext, aad);
    }

    public void Dispose() => Disposed = true;

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
