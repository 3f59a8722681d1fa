namespace Slim.Mls.Hpke.Internal;

/// <summary>RFC 9180 AEAD id 0xFFFF: contexts can only export, never seal or open.</summary>
internal sealed class ExportOnlyAead : Aead
{
    public override AeadId Id => AeadId.ExportOnly;

    public override int KeyLength => 0;

    public override int NonceLength => 0;

    public override int TagLength => 0;

    public override bool IsSupported => true;

    public override void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext) =>
        throw new MlsException(MlsErrorCode.InvalidState, "An export-only HPKE context cannot seal.");

    public override bool TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext) =>
        throw new MlsException(MlsErrorCode.InvalidState, "An export-only HPKE context cannot open.");
}
