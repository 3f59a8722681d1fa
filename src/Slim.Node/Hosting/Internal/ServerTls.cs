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
            SslProtocols = tls.EnabledProtocols,
        };

        if (LoadClientRoots(tls) is { } roots)
        {
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
        var fromFiles = tls.CertificateFile is not null || tls.KeyFile is not null;
        var fromPem = tls.CertificatePem is not null || tls.KeyPem is not null;
        if (fromFiles == fromPem)
        {
            throw new SlimException(
                SlimErrorCode.TlsConfigurationInvalid,
                "The server certificate needs either CertificateFile and KeyFile, or CertificatePem and KeyPem.");
        }

        var what = fromFiles ? $"'{tls.CertificateFile}' with key '{tls.KeyFile}'" : "given as PEM text";
        try
        {
            X509Certificate2 certificate;
            var all = new X509Certificate2Collection();
            if (fromFiles)
            {
                certificate = X509Certificate2.CreateFromPemFile(
                    tls.CertificateFile ?? throw new ArgumentException("KeyFile is set without CertificateFile."),
                    tls.KeyFile ?? throw new ArgumentException("CertificateFile is set without KeyFile."));
                all.ImportFromPemFile(tls.CertificateFile);
            }
            else
            {
                certificate = X509Certificate2.CreateFromPem(
                    tls.CertificatePem ?? throw new ArgumentException("KeyPem is set without CertificatePem."),
                    tls.KeyPem ?? throw new ArgumentException("CertificatePem is set without KeyPem."));
                all.ImportFromPem(tls.CertificatePem);
            }

            if (OperatingSystem.IsWindows())
            {
                // SChannel cannot use an ephemeral key: give it a persisted copy.
                using var ephemeral = certificate;
                certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
            }

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
            throw new SlimException(SlimErrorCode.TlsConfigurationInvalid, $"Cannot load the server certificate {what}: {ex.Message}", ex);
        }
    }

    private static X509Certificate2Collection? LoadClientRoots(GrpcServerTlsOptions tls)
    {
        if (tls.ClientCaFile is null && tls.ClientCaPem is null)
        {
            return null;
        }

        if (tls.ClientCaFile is not null && tls.ClientCaPem is not null)
        {
            throw new SlimException(SlimErrorCode.TlsConfigurationInvalid, "Give the client CA either as ClientCaFile or as ClientCaPem, not both.");
        }

        var what = tls.ClientCaFile is not null ? $"file '{tls.ClientCaFile}'" : "PEM text";
        var roots = new X509Certificate2Collection();
        try
        {
            if (tls.ClientCaFile is not null)
            {
                roots.ImportFromPemFile(tls.ClientCaFile);
            }
            else
            {
                roots.ImportFromPem(tls.ClientCaPem);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new SlimException(SlimErrorCode.TlsConfigurationInvalid, $"Cannot read the client CA {what}: {ex.Message}", ex);
        }

        if (roots.Count == 0)
        {
            throw new SlimException(SlimErrorCode.TlsConfigurationInvalid, $"The client CA {what} holds no PEM certificate.");
        }

        return roots;
    }
}
