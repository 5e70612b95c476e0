using System.Text.Json.Serialization;

namespace LossEngine.Formats;

/// <summary>Source-generated JSON for the metadata that dumps carry (task names).</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class FormatsJsonContext : JsonSerializerContext;
