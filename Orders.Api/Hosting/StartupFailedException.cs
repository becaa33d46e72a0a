namespace Orders.Api.Hosting;

// The service cannot start for a reason an operator must act on; the message says which and is all Program prints.
internal sealed class StartupFailedException(string message, Exception? inner = null) : Exception(message, inner);
