using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Slim.Protocol.Wire;

namespace Slim.Protocol.Tests.Capture;

/// <summary>Finds every <see cref="Name"/> inside a message, at any depth, through the protobuf descriptors.</summary>
internal static class ProtoWalk
{
    public static IEnumerable<Name> Names(IMessage message)
    {
        if (message is Name name)
        {
            yield return name;
            yield break;
        }

        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType != FieldType.Message || field.IsMap)
            {
                continue;
            }

            var value = field.Accessor.GetValue(message);
            if (field.IsRepeated)
            {
                foreach (IMessage item in (IList)value)
                {
                    foreach (var inner in Names(item))
                    {
                        yield return inner;
                    }
                }
            }
            else if (value is IMessage child)
            {
                foreach (var inner in Names(child))
                {
                    yield return inner;
                }
            }
        }
    }
}
