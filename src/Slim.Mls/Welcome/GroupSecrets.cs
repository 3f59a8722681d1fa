using Slim.Mls.Codec;
using Slim.Mls.Hpke;
using Slim.Mls.KeySchedule;

namespace Slim.Mls.Welcome;

/// <summary>
/// The secrets a Welcome carries to each new member (RFC 9420 section 12.4.3.1):
/// <code>
/// struct { opaque path_secret&lt;V&gt;; } PathSecret;
/// struct {
///   opaque joiner_secret&lt;V&gt;;
///   optional&lt;PathSecret&gt; path_secret;
///   PreSharedKeyID psks&lt;V&gt;;
/// } GroupSecrets;
/// </code>
/// </summary>
/// <param name="JoinerSecret">The joiner secret of the new epoch.</param>
/// <param name="PathSecret">The path secret of the lowest common ancestor with the committer, when the commit had a path.</param>
/// <param name="Psks">The PSKs of the commit, in order.</param>
public sealed record GroupSecrets(byte[] JoinerSecret, byte[]? PathSecret, IReadOnlyList<PreSharedKeyId> Psks) : ITlsEncodable, ITlsDecodable<GroupSecrets>
{
    /// <inheritdoc />
    public static GroupSecrets ReadFrom(ref TlsReader reader)
    {
        var joiner = reader.ReadVectorBytes();
        var path = reader.ReadOptionalVectorBytes();
        return new GroupSecrets(joiner, path, TlsCodec.ReadList<PreSharedKeyId>(ref reader));
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteVector(JoinerSecret);
        writer.WriteOptionalVector(PathSecret);
        TlsCodec.WriteList(ref writer, Psks);
    }
}

/// <summary>
/// <c>struct { KeyPackageRef new_member; HPKECiphertext encrypted_group_secrets; } EncryptedGroupSecrets;</c>
/// </summary>
/// <param name="NewMember">The KeyPackageRef of the new member.</param>
/// <param name="EncryptedSecrets">The GroupSecrets encrypted to the KeyPackage's init key.</param>
public sealed record EncryptedGroupSecrets(byte[] NewMember, HpkeCiphertext EncryptedSecrets) : ITlsEncodable, ITlsDecodable<EncryptedGroupSecrets>
{
    /// <inheritdoc />
    public static EncryptedGroupSecrets ReadFrom(ref TlsReader reader)
    {
        var reference = reader.ReadVectorBytes();
        return new EncryptedGroupSecrets(reference, HpkeCiphertext.ReadFrom(ref reader));
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteVector(NewMember);
        EncryptedSecrets.WriteTo(ref writer);
    }
}
