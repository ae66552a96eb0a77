using System.Text.Json.Nodes;

namespace KSpanActors.Tests.Support;

/// <summary>
/// The places of a JSON tree a mutation can hit, for the tests that mutate documents (hostile input, and the direct
/// decoder held against the model path): every (parent, member name or array index), and a setter for one.
/// </summary>
internal static class JsonSlots
{
    /// <summary>Every (parent, member name or index) of the tree, depth first.</summary>
    public static List<(JsonNode Parent, string? Key, int Index)> Of(JsonNode root)
    {
        var slots = new List<(JsonNode, string?, int)>();
        void Walk(JsonNode node)
        {
            if (node is JsonObject o)
            {
                foreach (var (k, v) in o.ToList())
                {
                    slots.Add((o, k, -1));
                    if (v is not null) Walk(v);
                }
            }
            else if (node is JsonArray a)
            {
                for (var i = 0; i < a.Count; i++)
                {
                    slots.Add((a, null, i));
                    if (a[i] is { } child) Walk(child);
                }
            }
        }
        Walk(root);
        return slots;
    }

    /// <summary>Puts <paramref name="value"/> in one slot: the member <paramref name="key"/>, else the array's <paramref name="index"/>.</summary>
    public static void Set(JsonNode parent, string? key, int index, JsonNode? value)
    {
        if (key is not null) ((JsonObject)parent)[key] = value;
        else ((JsonArray)parent)[index] = value;
    }
}
