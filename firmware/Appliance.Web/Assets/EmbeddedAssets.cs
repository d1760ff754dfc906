using System.Reflection;
using System.Security.Cryptography;

namespace Appliance.Web.Assets;

/// <summary>The admin page's files, embedded in the binary from web-ui/src at build time and read
/// once at start. Served with a content hash as ETag so browsers revalidate cheaply.</summary>
public sealed class EmbeddedAssets
{
    private const string Prefix = "webui/";
    private readonly Dictionary<string, Asset> _byPath = new(StringComparer.Ordinal);

    public sealed record Asset(byte[] Content, string ContentType, string ETag);

    public EmbeddedAssets()
    {
        var assembly = typeof(EmbeddedAssets).Assembly;
        foreach (string name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using Stream stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] content = copy.ToArray();
            string path = "/" + name[Prefix.Length..].Replace('\\', '/');
            string etag = "\"" + Convert.ToHexString(SHA256.HashData(content), 0, 8) + "\"";
            _byPath[path] = new Asset(content, ContentTypeOf(path), etag);
        }
    }

    public int Count => _byPath.Count;

    public Asset? Find(string path) => _byPath.GetValueOrDefault(path == "/" ? "/index.html" : path);

    private static string ContentTypeOf(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".json" => "application/json",
        _ => "application/octet-stream",
    };
}
