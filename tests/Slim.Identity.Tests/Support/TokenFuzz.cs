namespace Slim.Identity.Tests.Support;

/// <summary>Seeded garbage for the verifiers' "random input only ever fails" tests.</summary>
internal static class TokenFuzz
{
    /// <summary>
    /// <paramref name="count"/> draws: every <paramref name="randomEvery"/>-th one (from the first) is a random string of
    /// up to <paramref name="maxRandomLength"/> characters from <paramref name="alphabet"/> (one in
    /// <paramref name="exoticOneIn"/> of them any BMP character below the surrogates; 0 for none), the others
    /// <paramref name="valid"/> with one to three characters replaced. A draw equal to <paramref name="valid"/> is skipped.
    /// </summary>
    public static IEnumerable<string> Candidates(
        string valid, string alphabet, int seed, int count, int randomEvery, int maxRandomLength, int exoticOneIn = 0)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            char[] chars;
            if (i % randomEvery == 0)
            {
                chars = new char[random.Next(0, maxRandomLength)];
                for (var c = 0; c < chars.Length; c++)
                {
                    chars[c] = exoticOneIn > 0 && random.Next(exoticOneIn) == 0
                        ? (char)random.Next(0, 0xD7FF)
                        : alphabet[random.Next(alphabet.Length)];
                }
            }
            else
            {
                chars = valid.ToCharArray();
                for (var m = random.Next(1, 4); m > 0; m--)
                {
                    chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
                }
            }

            var candidate = new string(chars);
            if (candidate != valid)
            {
                yield return candidate;
            }
        }
    }
}
