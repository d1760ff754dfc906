using Appliance.Host;
using Appliance.Host.Cli;
using Appliance.Services.Certificates;
using Appliance.Services.Config;
using Appliance.Store;

// The one executable of the firmware: 'appliance run' is the daemon; every other verb is a
// management command for SSH users and scripts.
try
{
    if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
    {
        Console.Out.Write(Usage.Text);
        return args.Length == 0 ? ExitCodes.Refused : ExitCodes.Ok;
    }
    var rest = args.AsSpan(1).ToArray();
    return args[0] switch
    {
        "run" => await RunCommand.RunAsync(rest),
        "status" => StatusCommand.Run(rest),
        "session" => SessionCommand.Run(rest),
        "config" => ConfigCommand.Run(rest),
        "user" => UserCommand.Run(rest),
        "cert" => CertCommand.Run(rest),
        "factory-reset" => FactoryResetCommand.Run(rest),
        "version" => VersionCommand.Run(rest),
        "self-test" => SelfTestCommand.Run(rest),
        _ => throw new UsageException($"unknown command '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"appliance: {e.Message}");
    Console.Error.WriteLine("Run 'appliance help' for the commands.");
    return ExitCodes.Refused;
}
catch (StoreException e)
{
    Console.Error.WriteLine($"appliance: {e.Message}");
    return ExitCodes.Failure;
}
catch (ConfigInvalidException e)
{
    Console.Error.WriteLine($"appliance: {e.Message}");
    return ExitCodes.Failure;
}
catch (CertificateException e)
{
    Console.Error.WriteLine($"appliance: {e.Message}");
    return ExitCodes.Failure;
}
catch (InvalidDataException e)
{
    Console.Error.WriteLine($"appliance: {e.Message}");
    return ExitCodes.Failure;
}
