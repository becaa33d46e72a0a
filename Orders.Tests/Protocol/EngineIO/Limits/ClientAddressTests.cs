using System.Net;
using Orders.Protocol.EngineIO.Limits;

namespace Orders.Tests.Protocol.EngineIO.Limits;

public sealed class ClientAddressTests
{
    [Test]
    public void An_ipv4_mapped_address_counts_as_its_ipv4_address() =>
        ClientAddress.KeyOf(IPAddress.Parse("::ffff:203.0.113.7")).Should().Be(IPAddress.Parse("203.0.113.7"));

    [Test]
    public void Ipv6_addresses_of_one_64_network_share_a_key_and_other_networks_do_not()
    {
        var a = ClientAddress.KeyOf(IPAddress.Parse("2001:db8:1:2:aaaa::1"));
        var b = ClientAddress.KeyOf(IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        var other = ClientAddress.KeyOf(IPAddress.Parse("2001:db8:1:3::1"));
        a.Should().Be(IPAddress.Parse("2001:db8:1:2::"));
        b.Should().Be(a);
        other.Should().NotBe(a);
    }

    [Test]
    public void Ipv4_addresses_count_one_by_one_and_no_address_is_not_counted()
    {
        ClientAddress.KeyOf(IPAddress.Parse("198.51.100.1")).Should().NotBe(ClientAddress.KeyOf(IPAddress.Parse("198.51.100.2")));
        ClientAddress.KeyOf(null).Should().BeNull();
    }
}
