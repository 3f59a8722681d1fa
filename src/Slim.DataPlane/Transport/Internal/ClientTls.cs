using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Slim.Protocol;

namespace Slim.DataPlane.Transport.Internal;

/// <summary>Turns <see cref="GrpcClientTlsOptions"/> into the <see cref="SslClientAuthenticationOptions"/> of a handler.</summary>
internal static class ClientTls
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    public static SslClientAuthenticationOptions Create(GrpcClientTlsOptions? tls)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (tls is null)
        {
            return ssl;
        }

        if (tls.CertificateFile is not null || tls.KeyFile is not null)
        {
            ssl.ClientCertificateContext = LoadClientCertificate(tls);
        }

        if (tls.InsecureSkipVerify)
        {
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
            return ssl;
        }

        var roots = LoadRoots(tls);
        var includeSystem = tls.IncludeSystemTrust;
        ssl.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            Validate(certificate, chain, errors, roots, includeSystem);
        return ssl;
    }

    private static bool Validate(
        X509Certificate? certificate,
        X509Chain? presented,
        SslPolicyErrors errors,
        X509Certificate2Collection roots,
        bool includeSystem)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        if (errors == SslPolicyErrors.None && includeSystem)
        {
            return true;
        }

        if (roots.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        if (presented is not null)
        {
            // Intermediates the server sent with its certificate.
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            return chain.Build(leaf);
        }
        finally
        {
            if (!ReferenceEquals(leaf, certificate))
            {
                leaf.Dispose();
            }
        }
    }

    private static X509Certificate2Collection LoadRoots(GrpcClientTlsOptions tls)
    {
        var roots = new X509Certificate2Collection();
        if (tls.CaFile is not null)
        {
            try
            {
                roots.ImportFromPemFile(tls.CaFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new SlimException(SlimErrorCode.TlsConfigurationInvalid, $"Cannot read the CA file '{tls.CaFile}': {ex.Message}", ex);
            }

            if (roots.Count == 0)
            {
                throw new SlimException(SlimErrorCode.TlsConfigurationInvalid, $"The CA file '{tls.CaFile}' holds no PEM certificate.");
            }
        }

        foreach (var certificate in tls.TrustedCertificates)
        {
            roots.Add(certificate);
        }

        return roots;
    }

    private static SslStreamCertificateContext LoadClientCertificate(GrpcClientTlsOptions tls)
    {
        if (tls.CertificateFile is null || tls.KeyFile is null)
        {
            throw new SlimException(SlimErrorCode.TlsConfigurationInvalid, "A client certificate needs both CertificateFile and KeyFile.");
        }

        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(tls.CertificateFile, tls.KeyFile);
            var all = new X509Certificate2Collection();
            all.ImportFromPemFile(tls.CertificateFile);
            var intermediates = new X509Certificate2Collection();
            foreach (var extra in all)
            {
                if (extra.Thumbprint != certificate.Thumbprint)
                {
                    intermediates.Add(extra);
                }
            }

            return SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new SlimException(
                SlimErrorCode.TlsConfigurationInvalid,
                $"Cannot load the client certificate '{tls.CertificateFile}' with key '{tls.KeyFile}': {ex.Message}",
                ex);
        }
    }
}
