namespace Appliance.Protocols.Ike.Policy;

/// <summary>What <c>vpn.security</c> admits (README): <see cref="Compatible"/> lets every client in
/// reference/clients.md connect; <see cref="Modern"/> refuses 3DES, MD5, SHA-1 integrity and MODP
/// groups under 2048 bits; <see cref="Legacy"/> adds MD5 for old clients.</summary>
public enum SecurityLevel { Modern, Compatible, Legacy }
