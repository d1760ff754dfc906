namespace Appliance.Host.Cli;

internal static class Usage
{
    public const string Text = """
        Usage: appliance COMMAND [--data DIR] ...

        Daemon:
          run                          run the VPN box (web admin, control socket)
          status [--json]              ask the running daemon how it is (with its sessions)
          session kill ID              disconnect one session (IDs in 'status')

        Configuration:
          config show [--json]         all keys (secrets masked)
          config get KEY               one value (secrets shown)
          config set KEY VALUE         change one key; refused values change nothing
          config export FILE           write every key to FILE (mode 0600: holds the PSK)
          config import FILE           apply every key in FILE as one change

        VPN users:
          user add NAME [--static-address IP] [--password-stdin]
          user del NAME
          user list [--json]
          user passwd NAME [--password-stdin]
          user enable NAME | user disable NAME

        Certificates (made on first use: the box's CA and its IKE server certificate):
          cert show                    CA and server certificate: names, validity, SHA-256
          cert list                    client certificates issued
          cert issue NAME --out FILE.p12 [--password-stdin]
                                       a client certificate (NAME: user or user@domain)
                                       with its key and the CA, for Windows, macOS, iOS
          cert ca --out FILE.pem       the CA certificate, for clients to trust
          cert server --names A[,B...] re-issue the server certificate for the host names
                                       and addresses clients type (the first is the CN)

        Maintenance:
          factory-reset --yes          new PSK, default settings, no users, no admin password,
                                       a new CA
          version                      firmware version and target
          self-test                    check the store and every crypto primitive

        The data directory is --data DIR, else $APPLIANCE_DATA, else /var/lib/appliance.
        Passwords are read from a prompt, or one line from standard input with --password-stdin;
        never from the command line, where other users could see them.
        Exit codes: 0 done, 1 failed, 2 refused (nothing changed), 3 daemon not running.

        """;
}
