using Slim.Testing.Interop;

namespace Slim.Interop.Tests;

/// <summary>Official apps through an official node built like the stock <c>slim</c> binary (strict link checks).</summary>
public sealed class OfficialAppsOnStrictOfficialNode(OfficialStrictNodeFixture node)
    : InteropScenarios<OfficialStrictNodeFixture>(node);

/// <summary>Official apps through an official node started the app way (<c>runServer</c>, lenient link checks).</summary>
public sealed class OfficialAppsOnLenientOfficialNode(OfficialLenientNodeFixture node)
    : InteropScenarios<OfficialLenientNodeFixture>(node);
