using System.Text.Json;

namespace Stackweave.Tests.Speedscope;

/// <summary>
/// A validator for the part of JSON Schema (draft-07) that speedscope's <c>file-format-schema.json</c> uses:
/// <c>$ref</c> to <c>#/definitions/…</c>, <c>type</c> (object, array, string, number), <c>properties</c>,
/// <c>required</c>, <c>items</c>, <c>anyOf</c>, <c>const</c> and <c>enum</c>. Any other keyword in the schema is refused,
/// so a newer schema that needs more cannot pass unchecked; <c>title</c> and <c>$schema</c> are annotations.
/// </summary>
public sealed class JsonSchemaSubset
{
    private static readonly HashSet<string> s_known =
        ["$schema", "$ref", "definitions", "type", "properties", "required", "items", "anyOf", "const", "enum", "title"];

    private readonly JsonElement _root;

    /// <summary>Loads a schema.</summary>
    public JsonSchemaSubset(string schemaJson)
    {
        _root = JsonDocument.Parse(schemaJson).RootElement.Clone();
        CheckKeywords(_root, "#");
    }

    private static void CheckKeywords(JsonElement schema, string path)
    {
        if (schema.ValueKind != JsonValueKind.Object) return;
        foreach (var p in schema.EnumerateObject())
        {
            if (!s_known.Contains(p.Name)) throw new NotSupportedException($"schema keyword '{p.Name}' at {path} is not supported");
            switch (p.Name)
            {
                case "definitions" or "properties":
                    foreach (var d in p.Value.EnumerateObject()) CheckKeywords(d.Value, path + "/" + p.Name + "/" + d.Name);
                    break;
                case "items":
                    CheckKeywords(p.Value, path + "/items");
                    break;
                case "anyOf":
                    var i = 0;
                    foreach (var s in p.Value.EnumerateArray()) CheckKeywords(s, path + "/anyOf/" + i++);
                    break;
            }
        }
    }

    /// <summary>The errors of <paramref name="instance"/> against the schema (empty when valid); at most <paramref name="max"/>.</summary>
    public List<string> Validate(JsonElement instance, int max = 20)
    {
        var errors = new List<string>();
        Check(_root, instance, "$", errors, max);
        return errors;
    }

    private JsonElement Resolve(string reference)
    {
        const string Prefix = "#/definitions/";
        if (!reference.StartsWith(Prefix, StringComparison.Ordinal)) throw new NotSupportedException("$ref " + reference);
        return _root.GetProperty("definitions").GetProperty(reference[Prefix.Length..]);
    }

    private void Check(JsonElement schema, JsonElement v, string at, List<string> errors, int max)
    {
        if (errors.Count >= max) return;
        if (schema.TryGetProperty("$ref", out var r)) Check(Resolve(r.GetString()!), v, at, errors, max);
        if (schema.TryGetProperty("anyOf", out var any))
        {
            var ok = false;
            foreach (var s in any.EnumerateArray())
            {
                var sub = new List<string>();
                Check(s, v, at, sub, 1);
                if (sub.Count == 0) { ok = true; break; }
            }
            if (!ok) errors.Add($"{at}: matches none of anyOf");
        }
        if (schema.TryGetProperty("type", out var type))
        {
            var t = type.GetString();
            var ok = t switch
            {
                "object" => v.ValueKind == JsonValueKind.Object,
                "array" => v.ValueKind == JsonValueKind.Array,
                "string" => v.ValueKind == JsonValueKind.String,
                "number" => v.ValueKind == JsonValueKind.Number,
                _ => throw new NotSupportedException("type " + t),
            };
            if (!ok) { errors.Add($"{at}: expected {t}, found {v.ValueKind}"); return; }
        }
        if (schema.TryGetProperty("const", out var c) && !JsonElement.DeepEquals(c, v)) errors.Add($"{at}: expected {c.GetRawText()}");
        if (schema.TryGetProperty("enum", out var e))
        {
            var ok = false;
            foreach (var x in e.EnumerateArray()) if (JsonElement.DeepEquals(x, v)) { ok = true; break; }
            if (!ok) errors.Add($"{at}: {v.GetRawText()} is not one of {e.GetRawText()}");
        }
        if (v.ValueKind == JsonValueKind.Object)
        {
            if (schema.TryGetProperty("required", out var req))
                foreach (var name in req.EnumerateArray())
                    if (!v.TryGetProperty(name.GetString()!, out _)) errors.Add($"{at}: missing required '{name.GetString()}'");
            if (schema.TryGetProperty("properties", out var props))
                foreach (var p in props.EnumerateObject())
                    if (v.TryGetProperty(p.Name, out var pv)) Check(p.Value, pv, at + "." + p.Name, errors, max);
        }
        if (v.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var x in v.EnumerateArray()) Check(items, x, $"{at}[{i++}]", errors, max);
        }
    }
}
