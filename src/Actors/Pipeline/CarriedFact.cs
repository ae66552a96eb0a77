using System.Collections.Immutable;
using KSpanActors.Model;

namespace KSpanActors.Pipeline;

/// <summary>A fact an object held when its shard moved, with the path it had come along (empty: about the object itself).</summary>
internal readonly record struct CarriedFact(IFact Fact, ImmutableArray<string> Path);
