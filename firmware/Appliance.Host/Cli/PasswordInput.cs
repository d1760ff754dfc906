using System.Text;

namespace Appliance.Host.Cli;

/// <summary>Reads a password from a prompt without echo, or one line from standard input with
/// --password-stdin. Never from argv: every user on the box can read other processes' argv.</summary>
internal static class PasswordInput
{
    public static string Read(bool fromStdin, string prompt)
    {
        if (fromStdin)
        {
            string? line = Console.In.ReadLine();
            if (line is null) throw new UsageException("--password-stdin: standard input was empty");
            return line.TrimEnd('\r');
        }
        if (Console.IsInputRedirected)
            throw new UsageException("no terminal to ask for the password on: use --password-stdin");
        string first = Prompt(prompt + ": ");
        string second = Prompt("again: ");
        if (first != second) throw new UsageException("the two passwords differ");
        return first;
    }

    private static string Prompt(string text)
    {
        Console.Error.Write(text);
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (password.Length > 0) password.Length--; continue; }
            if (key.KeyChar != '\0') password.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return password.ToString();
    }
}
