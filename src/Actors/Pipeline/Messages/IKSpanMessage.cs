namespace KSpanActors.Pipeline;

/// <summary>Binds every message of ours that can cross nodes (the scale-out issue gives it a serializer).</summary>
internal interface IKSpanMessage;
