namespace KSpanActors.Pipeline;

/// <summary>What an object's actor is doing with the facts it is sent (see <see cref="ObjectState"/>).</summary>
internal enum ObjectRole
{
    /// <summary>Its owner is not known yet: facts wait (<see cref="ObjectState.PendingCount"/>) while the name index is asked.</summary>
    Undecided,

    /// <summary>It has an owner: every fact goes on up to the owner (or straight to the top-level object once told).</summary>
    Relaying,

    /// <summary>Top-level: it holds its family's facts and exports their traces once they settle.</summary>
    TopLevel,
}
