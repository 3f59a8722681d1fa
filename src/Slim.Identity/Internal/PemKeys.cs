using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;
using Slim.Protocol;

namespace Slim.Identity.Internal;

/// <summary>Reads JWT keys from PEM text: EC and RSA keys in the usual PEM forms, and X.509 certificates.</summary>
internal static class PemKeys
{
    /// <summary>
    /// The public verification keys in <paramref name="pem"/>: every <c>CERTIFICATE</c>, or else the one public or
    /// private key (only its public part is kept).
    /// </summary>
    /// <exception cref="SlimIdentityException">No usable key (<see cref="SlimErrorCode.IdentityKeyInvalid"/>).</exception>
    public static IReadOnlyList<SecurityKey> ReadVerificationKeys(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var keys = new List<SecurityKey>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                try
                {
                    var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                    using var certificate = X509CertificateLoader.LoadCertificate(der);
                    keys.Add(FromPublic(certificate.GetECDsaPublicKey(), certificate.GetRSAPublicKey()));
                }
                catch (Exception ex) when (ex is FormatException or CryptographicException)
                {
                    throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, "A PEM certificate could not be read.", ex);
                }
            }

            rest = rest[fields.Location.End..];
        }

        if (keys.Count > 0)
        {
            return keys;
        }

        if (TryImport(pem, out var ecdsa, out var rsa))
        {
            keys.Add(FromPublic(ecdsa, rsa));
            return keys;
        }

        throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, "The PEM holds no EC or RSA key or certificate.");
    }

    /// <summary>Reads a private EC or RSA key for signing JWTs, with the JWS algorithm it implies.</summary>
    /// <exception cref="SlimIdentityException">No private EC (P-256/384/521) or RSA key (<see cref="SlimErrorCode.IdentityKeyInvalid"/>).</exception>
    public static (AsymmetricSecurityKey Key, string Algorithm) ReadSigningKey(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (!TryImport(pem, out var ecdsa, out var rsa))
        {
            throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, "The PEM holds no EC or RSA private key.");
        }

        if (ecdsa is not null)
        {
            if (!HasPrivate(() => ecdsa.ExportParameters(true).D))
            {
                ecdsa.Dispose();
                throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, "The PEM holds a public EC key; signing needs the private key.");
            }

            var algorithm = ecdsa.KeySize switch
            {
                256 => SecurityAlgorithms.EcdsaSha256,
                384 => SecurityAlgorithms.EcdsaSha384,
                521 => SecurityAlgorithms.EcdsaSha512,
                _ => null,
            };
            if (algorithm is null)
            {
                ecdsa.Dispose();
                throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, "Only P-256, P-384 and P-521 EC keys can sign JWTs.");
            }

            return (new ECDsaSecurityKey(ecdsa), algorithm);
        }

        if (!HasPrivate(() => rsa!.ExportParameters(true).D))
        {
            rsa!.Dispose();
            throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, "The PEM holds a public RSA key; signing needs the private key.");
        }

        return (new RsaSecurityKey(rsa!), SecurityAlgorithms.RsaSha256);
    }

    private static bool TryImport(string pem, out ECDsa? ecdsa, out RSA? rsa)
    {
        ecdsa = null;
        rsa = null;
        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            ecdsa = ec;
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            ec.Dispose();
        }

        var r = RSA.Create();
        try
        {
            r.ImportFromPem(pem);
            rsa = r;
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            r.Dispose();
            return false;
        }
    }

    private static SecurityKey FromPublic(ECDsa? ecdsa, RSA? rsa)
    {
        if (ecdsa is not null)
        {
            using (rsa)
            {
                var parameters = ecdsa.ExportParameters(false);
                ecdsa.Dispose();
                return new ECDsaSecurityKey(ECDsa.Create(parameters));
            }
        }

        if (rsa is not null)
        {
            var parameters = rsa.ExportParameters(false);
            rsa.Dispose();
            return new RsaSecurityKey(parameters);
        }

        throw new SlimIdentityException(SlimErrorCode.IdentityKeyInvalid, "The certificate's key is neither EC nor RSA.");
    }

    private static bool HasPrivate(Func<byte[]?> export)
    {
        try
        {
            var d = export();
            if (d is null)
            {
                return false;
            }

            CryptographicOperations.ZeroMemory(d);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
