using Slim.Interop.Tests.Ours;
using Slim.Interop.Tests.OurSdk;
using Slim.Testing.Interop;

namespace Slim.Interop.Tests;

// Checklists C and D of the protocol reference: our app joins sessions created by an official alpha.5 app (point-to-point
// peer; group participant that exchanges messages, is removed, and learns of the close), MLS off and on.

/// <summary>C on an official strict node: official initiators and moderators, our participants.</summary>
public sealed class OurParticipantsWithOfficialModeratorOnOfficialNode(OfficialStrictNodeFixture node)
    : InteropScenarios<OfficialStrictNodeFixture>(node)
{
    protected override IAppFactory Participants => OurAppFactory.Instance;
}

/// <summary>C on our node.</summary>
public sealed class OurParticipantsWithOfficialModeratorOnOurNode(OurNodeFixture node)
    : InteropScenarios<OurNodeFixture>(node)
{
    protected override IAppFactory Participants => OurAppFactory.Instance;
}

// Checklist E: official alpha.5 apps join sessions our app creates (point-to-point peer; group participants), MLS off and on.

/// <summary>E on an official strict node: our initiators and moderators, official participants.</summary>
public sealed class OurModeratorWithOfficialParticipantsOnOfficialNode(OfficialStrictNodeFixture node)
    : InteropScenarios<OfficialStrictNodeFixture>(node)
{
    protected override IAppFactory Initiators => OurAppFactory.Instance;
}

/// <summary>E on our node.</summary>
public sealed class OurModeratorWithOfficialParticipantsOnOurNode(OurNodeFixture node)
    : InteropScenarios<OurNodeFixture>(node)
{
    protected override IAppFactory Initiators => OurAppFactory.Instance;
}
