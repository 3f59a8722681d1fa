using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Slim.Protocol;

namespace Slim.Node.Hosting.Internal;

/// <summary>Turns <see cref="GrpcServerTlsOptions"/> into Kestrel's HTTPS options.</summary>
internal static class ServerTls
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    public static HttpsConnectionAdapterOptions Create(GrpcServerTlsOptions tls, ILogger logger)
    {
        var (certificate, intermediates) = LoadCertificate(tls);
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            ServerCertificateChain = intermediates,
            CheckCertificateRevocation = false,
            ClientCertificateMode = ClientCertificateMode.NoCertificate,
        };

        if (tls.ClientCaFile is not null)
        {
            var roots = LoadClientRoots(tls.ClientCaFile);
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (client, presented, _) => ValidateClient(client, presented, roots, logger);
        }

        return https;
    }

    private static bool ValidateClient(X509Certificate2 client, X509Chain? presented, X509Certificate2Collection roots, ILogger logger)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (presented is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }

        if (chain.Build(client))
        {
            return true;
        }

        var reason = chain.ChainStatus.Length > 0 ? chain.ChainStatus[0].StatusInformation.Trim() : "untrusted";
        ServerLog.ClientCertificateRejected(logger, client.Subject, reason);
        return false;
    }

    private static (X509Certificate2 Certificate, X509Certificate2Collection Intermediates) LoadCertificate(GrpcServerTlsOptions tls)
    {
        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(tls.CertificateFile, tls.KeyFile);
            if (OperatingSystem.IsWindows())
            {
                // SChannel cannot use an ephemeral key: give it a persisted copy.
                using var ephemeral = certificate;
                certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
            }

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

            return (certificate, intermediates);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new SlimException(
                SlimErrorCode.TlsConfigurationInvalid,
                $"Cannot load the server certificate '{tls.CertificateFile}' with key '{tls.KeyFile}': {ex.Message}",
                ex);
        }
    }

    private static X509Certificate2Collection LoadClientRoots(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new SlimException(SlimErrorCode.TlsConfigurationInvalid, $"Cannot read the client CA file '{path}': {ex.Message}", ex);
        }

        if (roots.Count == 0)
        {
            throw new SlimException(SlimErrorCode.TlsConfigurationInvalid, $"The client CA file '{path}' holds no PEM certificate.");
        }

        return roots;
    }
}
