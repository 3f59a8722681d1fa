using Slim.Mls.KeySchedule;

namespace Slim.Mls.Framing.Internal;

/// <summary>Checks shared by public and private message unprotection.</summary>
internal static class FramingChecks
{
    internal static void CheckGroupAndEpoch(ReadOnlySpan<byte> groupId, ulong epoch, GroupContext context)
    {
        if (!groupId.SequenceEqual(context.GroupId))
        {
            throw new MlsException(MlsErrorCode.WrongGroup, "The message belongs to another group.");
        }

        if (epoch != context.Epoch)
        {
            throw new MlsException(MlsErrorCode.WrongEpoch, $"The message is for epoch {epoch}; the group is at {context.Epoch}.");
        }
    }
}
