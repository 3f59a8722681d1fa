using Slim.Mls.Codec;

namespace Slim.Mls.Hpke;

/// <summary>
/// The output of a single-shot HPKE seal, which is also the MLS <c>HPKECiphertext</c> structure (RFC 9420 section 7.6):
/// <code>
/// struct {
///     opaque kem_output&lt;V&gt;;   // enc
///     opaque ciphertext&lt;V&gt;;   // AEAD output, tag included
/// } HPKECiphertext;
/// </code>
/// </summary>
/// <param name="KemOutput">The encapsulated key <c>enc</c>.</param>
/// <param name="Ciphertext">The sealed plaintext, tag included.</param>
public readonly record struct HpkeCiphertext(byte[] KemOutput, byte[] Ciphertext) : ITlsEncodable, ITlsDecodable<HpkeCiphertext>
{
    /// <inheritdoc />
    public static HpkeCiphertext ReadFrom(ref TlsReader reader)
    {
        var kemOutput = reader.ReadVectorBytes();
        var ciphertext = reader.ReadVectorBytes();
        return new HpkeCiphertext(kemOutput, ciphertext);
    }

    /// <inheritdoc />
    public void WriteTo(ref TlsWriter writer)
    {
        writer.WriteVector(KemOutput);
        writer.WriteVector(Ciphertext);
    }
}
