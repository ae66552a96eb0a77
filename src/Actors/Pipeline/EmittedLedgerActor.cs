namespace KSpanActors.Pipeline;

/// <summary>Registry key of the ledger.</summary>
internal sealed class EmittedLedgerActor;
