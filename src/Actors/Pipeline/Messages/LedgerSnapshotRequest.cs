namespace KSpanActors.Pipeline;

/// <summary>A replica that came up asks a peer's ledger for every id it holds ("lsnap"); the answer is <see cref="LedgerIds"/> messages.</summary>
internal sealed record LedgerSnapshotRequest : IKSpanMessage;
