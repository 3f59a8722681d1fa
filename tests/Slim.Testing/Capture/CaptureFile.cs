using System.Globalization;

namespace Slim.Testing.Capture;

/// <summary>Who sent a captured message, seen from the app's connection.</summary>
public enum CaptureDirection
{
    /// <summary>Sent by the app to the node.</summary>
    AppToNode,

    /// <summary>Delivered by the node to the app.</summary>
    NodeToApp,
}

/// <summary>One captured gRPC message: a protobuf <c>dataplane.proto.v1.Message</c> without its 5-byte prefix.</summary>
/// <param name="Index">Position in the capture (0-based, capture order).</param>
/// <param name="Direction">Who sent it.</param>
/// <param name="App">Whose connection carried it (e.g. <c>moderator</c>, <c>client-1</c>).</param>
/// <param name="StreamId">HTTP/2 stream id of the OpenChannel call.</param>
/// <param name="TimeMs">Milliseconds since the recording proxy started.</param>
/// <param name="Bytes">The encoded message.</param>
public sealed record CaptureRecord(
    int Index, CaptureDirection Direction, string App, int StreamId, double TimeMs, byte[] Bytes);

/// <summary>
/// Reader for the real-SLIM wire captures in <c>../shared/realslim-capture/</c>: one message per line,
/// tab-separated <c>index direction app stream t_ms hex</c>.
/// </summary>
public static class CaptureFile
{
    /// <summary>The MLS-enabled group session capture.</summary>
    public const string GroupMls = "group-mls.hex";

    /// <summary>The same scenario with MLS disabled.</summary>
    public const string GroupNoMls = "group-nomls.hex";

    /// <summary>Loads a capture from the shared reference folder by file name.</summary>
    public static IReadOnlyList<CaptureRecord> LoadShared(string fileName) =>
        Load(SharedReference.File("realslim-capture", fileName));

    /// <summary>Loads a capture file.</summary>
    /// <exception cref="FormatException">A line is not in the capture format.</exception>
    public static IReadOnlyList<CaptureRecord> Load(string path)
    {
        var records = new List<CaptureRecord>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            records.Add(ParseLine(line, lineNumber));
        }

        return records;
    }

    /// <summary>Parses one capture line.</summary>
    /// <exception cref="FormatException">The line is not in the capture format.</exception>
    public static CaptureRecord ParseLine(string line, int lineNumber = 0)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = line.Split('\t');
        if (fields.Length != 6)
        {
            throw new FormatException($"Capture line {lineNumber}: expected 6 tab-separated fields, found {fields.Length}.");
        }

        var direction = fields[1] switch
        {
            "app->node" => CaptureDirection.AppToNode,
            "node->app" => CaptureDirection.NodeToApp,
            _ => throw new FormatException($"Capture line {lineNumber}: unknown direction '{fields[1]}'."),
        };

        return new CaptureRecord(
            int.Parse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture),
            direction,
            fields[2],
            int.Parse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture),
            double.Parse(fields[4], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture),
            Convert.FromHexString(fields[5]));
    }
}
