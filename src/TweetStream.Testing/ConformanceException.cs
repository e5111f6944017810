namespace TweetStream.Testing;

/// <summary>Thrown by a conformance check when the component under test breaks the contract.</summary>
public sealed class ConformanceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConformanceException() { }

    /// <summary>Creates the exception with the violated rule.</summary>
    /// <param name="message">Which rule was broken and how.</param>
    public ConformanceException(string message) : base(message) { }

    /// <summary>Creates the exception with the violated rule and its cause.</summary>
    /// <param name="message">Which rule was broken and how.</param>
    /// <param name="innerException">The cause.</param>
    public ConformanceException(string message, Exception innerException) : base(message, innerException) { }
}
