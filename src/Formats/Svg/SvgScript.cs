using System.Reflection;

namespace Stackweave.Formats.Svg;

/// <summary>The inline style and script of the SVG flame graph (flameview.js and svg-init.js, embedded resources).</summary>
internal static class SvgScript
{
    /// <summary>The shared flame view script (zoom, reset, search).</summary>
    public static readonly string FlameView = Resource("flameview.js");

    /// <summary>CSS of the frames and controls.</summary>
    public const string Style = """
        <style type="text/css">
        text { font-family: Verdana, sans-serif; font-size: 12px; fill: rgb(0,0,0); }
        #title { font-size: 17px; }
        #unzoom, #search { cursor: pointer; }
        #search { font-size: 12px; width: 210px; }
        g.frame { cursor: pointer; }
        g.frame:hover rect { stroke: black; stroke-width: 0.5; }
        g.frame text { pointer-events: none; }
        g.parent { opacity: 0.5; }
        .hide { display: none; }
        </style>

        """;

    /// <summary>The script element, at the end of the document (the frames exist when it runs).</summary>
    public static readonly string Script = "<script type=\"text/ecmascript\"><![CDATA[\n" + FlameView + Resource("svg-init.js") + "]]></script>\n";

    internal static string Resource(string name, string folder = "Svg")
    {
        using var s = typeof(SvgScript).Assembly.GetManifestResourceStream("Stackweave.Formats." + folder + "." + name)
            ?? throw new InvalidOperationException("missing embedded resource " + name);
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}
