using System.Net;
using System.Net.Sockets;

namespace Slim.Testing.Interop;

/// <summary>Free TCP ports on 127.0.0.1 for processes that need a port number up front.</summary>
public static class LoopbackPort
{
    /// <summary>
    /// A port that was free a moment ago (the OS picked it for a listener that is closed again). Another process can take
    /// it before the caller binds it, so callers retry with a new one when the bind fails.
    /// </summary>
    public static int GetFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
