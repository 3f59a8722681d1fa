namespace Slim.Node;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("slim: not built yet");
        return args.Length == 0 ? 1 : 1;
    }
}
