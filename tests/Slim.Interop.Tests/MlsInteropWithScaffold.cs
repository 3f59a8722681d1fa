using Slim.Interop.Tests.Scaffolding;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests;

/// <summary>
/// (D) Our apps (test scaffolding: SessionLayer + MLS glue) as participants of sessions an official app creates and
/// moderates, through an official strict node: point-to-point and group, MLS off and on.
/// </summary>
public sealed class OfficialModeratorWithScaffoldParticipants(OfficialStrictNodeFixture node)
    : InteropScenarios<OfficialStrictNodeFixture>(node)
{
    /// <inheritdoc />
    protected override IAppFactory Participants => ScaffoldAppFactory.Instance;
}

/// <summary>
/// (E) Our app (test scaffolding: SessionLayer + MLS glue) creates and moderates the sessions; official apps join them,
/// through an official strict node: point-to-point and group, MLS off and on.
/// </summary>
public sealed class ScaffoldModeratorWithOfficialParticipants(OfficialStrictNodeFixture node)
    : InteropScenarios<OfficialStrictNodeFixture>(node)
{
    /// <inheritdoc />
    protected override IAppFactory Initiators => ScaffoldAppFactory.Instance;
}
