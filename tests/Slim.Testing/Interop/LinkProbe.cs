using System.Text.Json;
using Slim.Testing.Interop.Internal;

namespace Slim.Testing.Interop;

/// <summary>What a node answered to one link negotiation request (tests/interop/link-probe.mjs).</summary>
/// <param name="OfferedKey">Whether the request carried an X25519 public key.</param>
/// <param name="HeadersReceived">The node sent HTTP/2 response headers for the data-plane RPC.</param>
/// <param name="Replied">The node sent a message back.</param>
/// <param name="IsReply">That message was a link negotiation with <c>is_reply</c> set.</param>
/// <param name="KeyLength">Length of the node's X25519 key in the reply (0 = no link crypto).</param>
/// <param name="LinkIdEchoed">The reply carried the request's link id.</param>
/// <param name="SlimVersion">The reply's <c>slim_version</c>.</param>
/// <param name="ConnectionType">The reply's connection type (2 = EDGE, echoing the request).</param>
/// <param name="Ending">How the probe ended, e.g. "replied" or "stream ended by the node".</param>
public sealed record LinkProbeResult(
    bool OfferedKey,
    bool HeadersReceived,
    bool Replied,
    bool IsReply,
    int KeyLength,
    bool LinkIdEchoed,
    string SlimVersion,
    int ConnectionType,
    string Ending);

/// <summary>
/// Sends a single link negotiation request to any node (official or ours) and reports the answer, without the official
/// package: it tells a strict node (drops a client that offers no key) from a lenient one (replies with an empty key).
/// </summary>
public static class LinkProbe
{
    /// <summary>Probes <paramref name="endpoint"/>, offering an X25519 key or not.</summary>
    public static async Task<LinkProbeResult> RunAsync(
        Uri endpoint, bool offerKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var environment = await OfficialSlim.GetAsync(cancellationToken).ConfigureAwait(false);
        List<string> arguments = ["--endpoint", endpoint.GetLeftPart(UriPartial.Authority), "--wait-ms", "5000"];
        if (offerKey)
        {
            arguments.Add("--key");
        }

        await using var process = HarnessProcess.Start($"link probe of {endpoint.Authority}", environment, "link-probe.mjs", arguments);
        var outcome = await process.Events.WaitAsync(
            e => e.Kind is "result" or "failed",
            consume: false,
            OfficialSlim.CommandTimeout,
            $"{process.Label}: waiting for its result",
            process.RecentDiagnostics,
            cancellationToken).ConfigureAwait(false);
        var data = outcome.Data;
        if (outcome.Kind == "failed")
        {
            throw new InteropHarnessException($"{process.Label} failed: {Text(data, "error")}{Environment.NewLine}{process.RecentDiagnostics()}");
        }

        return new LinkProbeResult(
            offerKey,
            Flag(data, "headers"),
            Flag(data, "replied"),
            Flag(data, "isReply"),
            Number(data, "keyLength"),
            Flag(data, "linkIdEchoed"),
            Text(data, "slimVersion"),
            Number(data, "connectionType"),
            Text(data, "ending"));
    }

    private static bool Flag(JsonElement data, string name) =>
        data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static int Number(JsonElement data, string name) =>
        data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;

    private static string Text(JsonElement data, string name) =>
        data.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() ?? string.Empty : v.ToString()
            : string.Empty;
}
