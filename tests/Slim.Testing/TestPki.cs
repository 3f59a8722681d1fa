using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Slim.Testing;

/// <summary>
/// A throwaway PKI written to PEM files in a temporary folder (<see cref="Directory"/>): a CA, a server certificate for 127.0.0.1,
/// <c>localhost</c> and <c>slim.test</c>, a client certificate, and a client certificate from another CA.
/// </summary>
public sealed class TestPki : IDisposable
{
    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("slim-pki-").FullName;

    // One clock reading for every certificate: a leaf must not outlive its issuer, even by the second that passes
    // while the PKI is being made.
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    public TestPki()
    {
        using var ca = CreateCa("SLIM Test CA");
        using var otherCa = CreateCa("Other Test CA");
        CaFile = WriteCertificate("ca.pem", ca);
        OtherCaFile = WriteCertificate("other-ca.pem", otherCa);
        (ServerCertificateFile, ServerKeyFile) = WriteLeaf("server", ca, server: true);
        (ClientCertificateFile, ClientKeyFile) = WriteLeaf("client", ca, server: false);
        (OtherClientCertificateFile, OtherClientKeyFile) = WriteLeaf("intruder", otherCa, server: false);
    }

    public string CaFile { get; }

    public string OtherCaFile { get; }

    public string ServerCertificateFile { get; }

    public string ServerKeyFile { get; }

    public string ClientCertificateFile { get; }

    public string ClientKeyFile { get; }

    public string OtherClientCertificateFile { get; }

    public string OtherClientKeyFile { get; }

    public string MissingFile => Path.Combine(_directory, "missing.pem");

    /// <summary>The folder holding every file of this PKI (deleted on dispose).</summary>
    public string Directory => _directory;

    public void Dispose() => System.IO.Directory.Delete(_directory, recursive: true);

    private X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(_now.AddHours(-2), _now.AddDays(2));
    }

    private (string Certificate, string Key) WriteLeaf(string name, X509Certificate2 issuer, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            names.AddDnsName("slim.test");
            request.CertificateExtensions.Add(names.Build());
        }

        using var certificate = request.Create(
            issuer,
            _now.AddHours(-1),
            _now.AddDays(1),
            RandomNumberGenerator.GetBytes(8));
        var certificateFile = WriteCertificate($"{name}.pem", certificate);
        var keyFile = Path.Combine(_directory, $"{name}-key.pem");
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }

    private string WriteCertificate(string fileName, X509Certificate2 certificate)
    {
        var path = Path.Combine(_directory, fileName);
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }
}
