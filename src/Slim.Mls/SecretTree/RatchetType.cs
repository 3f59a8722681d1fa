namespace Slim.Mls.SecretTree;

/// <summary>The two per-sender hash ratchets of the secret tree (RFC 9420 section 9).</summary>
public enum RatchetType : byte
{
    /// <summary>Keys for proposals and commits sent as PrivateMessage.</summary>
    Handshake = 0,

    /// <summary>Keys for application messages.</summary>
    Application = 1,
}
