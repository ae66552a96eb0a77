using System.Collections;
using System.Reflection;
using KSpanActors.Ingest;

namespace KSpanActors.Tests.FakeKube;

/// <summary>
/// Reads a capture, List or folder with the product's own reader (<c>KSpanActors.Ingest.InputReader</c>), which is internal to
/// KSpanActors and not visible to this assembly: it is called through reflection. Once KSpanActors lists
/// <c>KSpanActors.FakeKube</c> in its InternalsVisibleTo, this becomes a direct call to <c>InputReader.Read</c>.
/// </summary>
internal static class CaptureReader
{
    private static readonly Type ReaderType = typeof(SourceDocument).Assembly.GetType("KSpanActors.Ingest.InputReader", throwOnError: true)!;

    private static readonly MethodInfo ReadMethod = ReaderType.GetMethod("Read", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
        ?? throw new MissingMethodException("KSpanActors.Ingest.InputReader", "Read");

    /// <summary>The documents of <paramref name="path"/>, lazily; each problem is reported as "origin: message".</summary>
    public static IEnumerable<SourceDocument> Read(string path, Action<string> onProblem)
    {
        var problemType = ReadMethod.GetParameters()[1].ParameterType; // Action<InputProblem>
        var sink = new ProblemSink(onProblem);
        var callback = Delegate.CreateDelegate(problemType, sink, typeof(ProblemSink).GetMethod(nameof(ProblemSink.Report))!);
        var documents = (IEnumerable)ReadMethod.Invoke(null, [path, callback])!;
        return documents.Cast<SourceDocument>();
    }

    /// <summary>Receives an InputProblem (a parameter of type object binds to Action&lt;InputProblem&gt; by contravariance).</summary>
    private sealed class ProblemSink(Action<string> onProblem)
    {
        public void Report(object problem)
        {
            var type = problem.GetType();
            var origin = type.GetProperty("Origin")?.GetValue(problem);
            var message = type.GetProperty("Message")?.GetValue(problem);
            onProblem($"{origin}: {message}");
        }
    }
}
