using System.Diagnostics;
using System.Globalization;
using System.Text;
using Slim.Mls.CipherSuites;
using Slim.Mls.Credentials;
using Slim.Mls.Group;
using Slim.Mls.KeyPackages;
using Slim.Mls.Tree;
using Slim.Testing.Mls;

// Usage: dotnet run -c Release --project benchmarks/Slim.Benchmarks.MlsGroups [-- --sizes 10,100,1000 --suites 1,2 --threads 2 --no-ts]
var sizes = Option("--sizes", "10,100,1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var suites = Option("--suites", "1,2").Split(',').Select(s => ushort.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var threads = int.Parse(Option("--threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
var withTs = !args.Contains("--no-ts") && TsMlsPeer.IsInstalled;
if (!withTs)
{
    Console.WriteLine($"ts-mls comparison off (run 'npm ci' in {TsMlsPeer.ScriptDirectory} to enable it).");
}

string[] steps = ["add N-1 (commit+Welcome)", "join from Welcome", "empty commit (full path)", "process empty commit", "remove commit (path)", "process remove commit"];
Console.WriteLine($"MLS group benchmark: {Environment.ProcessorCount} cores, {threads} worker thread(s) for ours, single shot per step, .NET {Environment.Version}");
await using var peer = withTs ? TsMlsPeer.Start() : null;

// Warm the JIT and the crypto providers once so the first measured step is not a cold start.
await RunOursAsync(CipherSuite.Get(CipherSuiteId.X25519Aes128GcmSha256Ed25519), 4, threads);
await RunOursAsync(CipherSuite.Get(CipherSuiteId.P256Aes128GcmSha256P256), 4, threads);

var table = new StringBuilder();
table.AppendLine("| suite | N | step | ours (ms) | ts-mls (ms) | ours/ts-mls |");
table.AppendLine("|---|---:|---|---:|---:|---:|");
foreach (var suiteId in suites)
{
    var suite = CipherSuite.Get((CipherSuiteId)suiteId);
    foreach (var n in sizes)
    {
        var ours = await RunOursAsync(suite, n, threads);
        double[]? theirs = null;
        if (peer is not null)
        {
            var r = await peer.CallAsync("bench", new { suite = (int)suiteId, n });
            theirs = [.. new[] { "add_ms", "join_ms", "empty_commit_ms", "process_commit_ms", "remove_ms", "process_remove_ms" }.Select(p => r.GetProperty(p).GetDouble())];
            Console.WriteLine($"  ts-mls sizes: Welcome {r.GetProperty("welcome_bytes").GetInt32()} B, empty commit {r.GetProperty("commit_bytes").GetInt32()} B");
        }

        for (var i = 0; i < steps.Length; i++)
        {
            var ts = theirs is null ? "-" : theirs[i].ToString("0.0", CultureInfo.InvariantCulture);
            var ratio = theirs is null ? "-" : (ours.Times[i] / theirs[i]).ToString("0.000", CultureInfo.InvariantCulture);
            table.AppendLine(CultureInfo.InvariantCulture, $"| {suiteId} | {n} | {steps[i]} | {ours.Times[i]:0.0} | {ts} | {ratio} |");
        }

        Console.WriteLine($"suite {suiteId}, N={n}: ours {string.Join(", ", ours.Times.Select(t => t.ToString("0.0", CultureInfo.InvariantCulture)))} ms; Welcome {ours.WelcomeBytes} B, empty commit {ours.CommitBytes} B; 1 KiB message encrypt+decrypt {ours.MessageMicroseconds:0} us");
    }
}

Console.WriteLine();
Console.Write(table);
return 0;

static async Task<(double[] Times, int WelcomeBytes, int CommitBytes, double MessageMicroseconds)> RunOursAsync(CipherSuite suite, int n, int threads)
{
    var options = MlsGroupOptions.Default with { MaxDegreeOfParallelism = threads };
    using var creatorKey = Signer(suite);
    using var creator = MlsGroup.Create(suite, creatorKey, Credential.Basic("creator"u8), options);
    var signers = new List<SignaturePrivateKey>();
    var bundles = new List<KeyPackageBundle>();
    for (var i = 1; i < n; i++)
    {
        var signer = Signer(suite);
        signers.Add(signer);
        bundles.Add(MlsGroup.CreateKeyPackage(suite, signer, Credential.Basic(Encoding.UTF8.GetBytes($"member-{i}")), options));
    }

    var times = new double[6];
    try
    {
        var clock = Stopwatch.StartNew();
        var add = await creator.AddMembersAsync([.. bundles.Select(b => b.KeyPackage)]);
        times[0] = clock.Elapsed.TotalMilliseconds;
        var welcome = add.Welcome!.ToBytes();

        clock.Restart();
        using var joiner = await MlsGroup.JoinAsync(Slim.Mls.Framing.MlsMessage.Decode(welcome), bundles[0], signers[0], options);
        times[1] = clock.Elapsed.TotalMilliseconds;

        // 1 KiB application messages, creator to joiner, encrypt + decrypt.
        var payload = new byte[1024];
        const int messages = 200;
        clock.Restart();
        for (var m = 0; m < messages; m++)
        {
            var sealedMessage = await creator.EncryptApplicationMessageAsync(payload, "aad"u8.ToArray());
            await joiner.ProcessMessageAsync(sealedMessage.ToBytes());
        }

        var perMessage = clock.Elapsed.TotalMilliseconds * 1000 / messages;

        clock.Restart();
        var empty = await creator.UpdateAsync();
        times[2] = clock.Elapsed.TotalMilliseconds;
        var commit = empty.Commit.ToBytes();

        clock.Restart();
        await joiner.ProcessMessageAsync(commit);
        times[3] = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        var remove = await creator.RemoveMembersAsync([new LeafIndex((uint)(n - 1))]);
        times[4] = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        await joiner.ProcessMessageAsync(remove.Commit.ToBytes());
        times[5] = clock.Elapsed.TotalMilliseconds;
        if (!joiner.EpochAuthenticator.Span.SequenceEqual(creator.EpochAuthenticator.Span))
        {
            throw new InvalidOperationException("The joined member and the creator disagree on the epoch.");
        }

        return (times, welcome.Length, commit.Length, perMessage);
    }
    finally
    {
        foreach (var bundle in bundles)
        {
            bundle.Dispose();
        }

        foreach (var signer in signers)
        {
            signer.Dispose();
        }
    }
}

static SignaturePrivateKey Signer(CipherSuite suite)
{
    using var pair = suite.GenerateSignatureKeyPair();
    return suite.SignatureScheme.ImportPrivateKey(pair.PrivateKey);
}

string Option(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
