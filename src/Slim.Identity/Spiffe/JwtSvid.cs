namespace Slim.Identity.Spiffe;

/// <summary>A JWT-SVID obtained from the Workload API. <see cref="ToString"/> never shows the token.</summary>
public sealed class JwtSvid
{
    internal JwtSvid(SpiffeId spiffeId, string token, string hint, DateTimeOffset expiresAt, IReadOnlyList<string> audiences)
    {
        SpiffeId = spiffeId;
        Token = token;
        Hint = hint;
        ExpiresAt = expiresAt;
        Audiences = audiences;
    }

    /// <summary>The workload's SPIFFE ID (the token's <c>sub</c>).</summary>
    public SpiffeId SpiffeId { get; }

    /// <summary>The token, in JWS compact serialization. A bearer secret: never log it.</summary>
    public string Token { get; }

    /// <summary>The operator's hint for choosing between several SVIDs, or empty.</summary>
    public string Hint { get; }

    /// <summary>The token's <c>exp</c>.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The token's audiences, <c>slim-claims:</c> ones excepted.</summary>
    public IReadOnlyList<string> Audiences { get; }

    /// <inheritdoc />
    public override string ToString() => $"JWT-SVID {SpiffeId} (expires {ExpiresAt:O})";
}
