namespace KSpanActors;

/// <summary>Settings bound from a configuration section: what is wrong with them, one line per problem naming its key.</summary>
internal interface ISettings
{
    IEnumerable<string> Validate();
}
