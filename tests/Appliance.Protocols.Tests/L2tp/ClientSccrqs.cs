namespace Appliance.Protocols.Tests.L2tp;

/// <summary>
/// The SCCRQ each client kind sends, byte for byte as shared/reference/clients.md describes it
/// (header C802 = T, L, S, version 2; tunnel 0, session 0, Ns 0, Nr 0). Host names and tunnel ids
/// are made up; the AVP sets, flags and window sizes are the clients'.
/// </summary>
internal static class ClientSccrqs
{
    public sealed record Client(string Name, string Hex, ushort TunnelId, int Port, ushort Window, string HostName,
        string? Vendor, ushort? Firmware, uint Framing, uint? Bearer)
    {
        public byte[] Bytes => Convert.FromHexString(Hex.Replace(" ", "", StringComparison.Ordinal));
    }

    // Windows 10/11: source port 1701; Framing sync, Bearer 0, Firmware, Host Name, Vendor "Microsoft", RWS 8.
    public static readonly Client Windows = new("windows",
        "C802006C 0000 0000 0000 0000" +
        " 8008 0000 0000 0001" +                                  // Message Type: SCCRQ
        " 8008 0000 0002 0100" +                                  // Protocol Version 1.0
        " 800A 0000 0003 00000001" +                              // Framing Capabilities: sync
        " 800A 0000 0004 00000000" +                              // Bearer Capabilities: none
        " 0008 0000 0006 0600" +                                  // Firmware Revision (M clear)
        " 8015 0000 0007 4445534B544F502D344A324B395146" +        // Host Name "DESKTOP-4J2K9QF"
        " 000F 0000 0008 4D6963726F736F6674" +                    // Vendor Name "Microsoft" (M clear)
        " 8008 0000 0009 0001" +                                  // Assigned Tunnel ID 1
        " 8008 0000 000A 0008",                                   // Receive Window Size 8
        TunnelId: 1, Port: 1701, Window: 8, HostName: "DESKTOP-4J2K9QF", Vendor: "Microsoft", Firmware: 0x0600, Framing: 1, Bearer: 0);

    // macOS/iOS: ephemeral port; Host Name with a trailing NUL, Framing, RWS 4; no Bearer, Vendor, Firmware.
    public static readonly Client MacOs = new("macos",
        "C802004F 0000 0000 0000 0000" +
        " 8008 0000 0000 0001" +
        " 8008 0000 0002 0100" +
        " 8019 0000 0007 416C696365732D4D6163426F6F6B2D41697200" + // Host Name "Alices-MacBook-Air\0"
        " 800A 0000 0003 00000003" +
        " 8008 0000 0009 1D2C" +
        " 8008 0000 000A 0004",
        TunnelId: 0x1d2c, Port: 50123, Window: 4, HostName: "Alices-MacBook-Air", Vendor: null, Firmware: null, Framing: 3, Bearer: null);

    // Android up to 11 (mtpd): ephemeral port, Host Name "anonymous", RWS 1.
    public static readonly Client Android = new("android",
        "C8020045 0000 0000 0000 0000" +
        " 8008 0000 0000 0001" +
        " 8008 0000 0002 0100" +
        " 800F 0000 0007 616E6F6E796D6F7573" +                    // Host Name "anonymous"
        " 800A 0000 0003 00000003" +
        " 8008 0000 0009 8A31" +
        " 8008 0000 000A 0001",
        TunnelId: 0x8a31, Port: 41234, Window: 1, HostName: "anonymous", Vendor: null, Firmware: null, Framing: 3, Bearer: null);

    // xl2tpd (Linux, ChromeOS): port 1701; Framing and Bearer, Firmware, Host Name, Vendor "xelerance.com", RWS 4.
    public static readonly Client Xl2tpd = new("xl2tpd",
        "C802006B 0000 0000 0000 0000" +
        " 8008 0000 0000 0001" +
        " 8008 0000 0002 0100" +
        " 800A 0000 0003 00000003" +
        " 800A 0000 0004 00000003" +
        " 0008 0000 0006 0690" +
        " 8010 0000 0007 6368726F6D65626F6F6B" +                  // Host Name "chromebook"
        " 0013 0000 0008 78656C6572616E63652E636F6D" +            // Vendor Name "xelerance.com"
        " 8008 0000 0009 4E2B" +
        " 8008 0000 000A 0004",
        TunnelId: 0x4e2b, Port: 1701, Window: 4, HostName: "chromebook", Vendor: "xelerance.com", Firmware: 0x0690, Framing: 3, Bearer: 3);

    public static Client ByName(string name) => name switch
    {
        "windows" => Windows,
        "macos" => MacOs,
        "android" => Android,
        "xl2tpd" => Xl2tpd,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>The same SCCRQ rebuilt from its parts with the test encoder (cross-checks the hex).</summary>
    public static byte[] Rebuild(Client c)
    {
        var avps = new List<byte[]> { TestWire.Type(TestWire.Sccrq), TestWire.Avp16(TestWire.ProtocolVersion, 0x0100) };
        var host = TestWire.Ascii(c.HostName);
        if (c.Name == "macos") host = [.. host, 0];
        if (c.Name is "windows" or "xl2tpd")
        {
            avps.Add(TestWire.Avp32(TestWire.FramingCaps, c.Framing));
            avps.Add(TestWire.Avp32(TestWire.BearerCaps, c.Bearer!.Value));
            avps.Add(TestWire.Avp16(TestWire.Firmware, c.Firmware!.Value, mandatory: false));
            avps.Add(TestWire.Avp(TestWire.HostName, host));
            avps.Add(TestWire.Avp(TestWire.VendorName, TestWire.Ascii(c.Vendor!), mandatory: false));
        }
        else
        {
            avps.Add(TestWire.Avp(TestWire.HostName, host));
            avps.Add(TestWire.Avp32(TestWire.FramingCaps, c.Framing));
        }
        avps.Add(TestWire.Avp16(TestWire.AssignedTunnelId, c.TunnelId));
        avps.Add(TestWire.Avp16(TestWire.ReceiveWindow, c.Window));
        return TestWire.Control(0, 0, 0, 0, [.. avps]);
    }
}
